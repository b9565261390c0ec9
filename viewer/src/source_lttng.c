/* LTTng trace directories, read through libbabeltrace2.
 *
 * `lttng` writes a tree (ust/uid/0/64-bit/, ust/pid/NAME-PID-DATE/, ...);
 * each directory holding a `metadata` file is one CTF trace. The graph is
 * one src.ctf.fs per trace -> utils.muxer (one time order over every
 * stream) -> a simple sink of ours, run one batch of messages at a time
 * (bt_graph_run_once) as the viewer pulls events. tasktrace:* events map
 * to tt_trace_event by name (tt_ev_lookup) and their fields by the
 * schema's field names; pid and tid come from the vpid/vtid contexts
 * (`lttng add-context -u -t vpid -t vtid`), else from the trace's
 * environment (per-PID buffers); with neither, the trace is read as one
 * process with a note, and refused once an id created twice shows a
 * second (check_once). The event classes a stream's metadata declares are
 * what the session enabled: the schema's others are tt_source_unrecorded
 * (a log level or an event rule left them out). Timestamps are the clock's raw value in ns: LTTng's clock is
 * CLOCK_MONOTONIC, the clock of .ttrace files, so both paths agree. A
 * second clock class in the same directory is converted into the first
 * one's frame through ns from origin (the muxer refuses clocks it cannot
 * correlate, with its own message). A valid CTF trace may have no clock
 * at all: it is refused in one line ("the trace has no clock: cannot
 * order events in time"): with several streams, arrival order means
 * nothing, and a partial model would mislead.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "grow.h"
#include "source.h"
#include "strset.h"
#include "unrecorded.h"
#include "vmap.h"

#if TT_HAVE_BABELTRACE2
#include <babeltrace2/babeltrace.h>

/* What we know about one event class, cached by its address. */
typedef struct ev_class {
  const bt_event_class *cls;
  unsigned type;                    /* TT_EV_NONE: not ours, skip */
  int member[TT_EVENT_FIELDS];      /* payload member index per schema slot, -1 absent */
  int is_signed[TT_EVENT_FIELDS];   /* that member is a signed integer */
  int ctx_vpid, ctx_vtid;           /* common-context member index, -1 absent */
} ev_class;

typedef struct {
  tt_source base;
  bt_graph *graph;
  char **dirs;
  size_t ndirs, cdirs;
  uint64_t bytes_total;
  /* events decoded from the last batch of messages, handed out in order */
  tt_trace_event *buf;
  size_t nbuf, cbuf, ibuf;
  int eof;
  uint64_t events, skipped;
  ev_class *classes;
  size_t nclasses, cclasses;
  /* interned strings: they must outlive the messages they came from */
  tt__strset strs;
  const char *error;   /* set by the sink callback on failure */
  int no_clock;        /* an event without a clock: refused (-EDOM) */
  int refused;         /* a reason in why[]: refused (-EPROTO) */
  char why[400];
  uint64_t recorded;   /* event types the trace's metadata declares (1 << type) */
  /* Without a vpid (no context, per-UID buffers) every event is pid 0: the
   * ids a process creates once (tasks, objects) tell a second one apart. */
  int pid_unknown;
  tt__vmap once;       /* (type, id) already created */
  int live;            /* one src.ctf.lttng-live on dirs[0], a URL */
  uint64_t yielded_at;  /* live: when next() last returned -EAGAIN, or the source opened (ns) */
  int handed;           /* live: events were handed out since then */
  /* TASKTRACE_LIVE_DEBUG=1: one stderr line per batch of messages */
  int debug;
  uint64_t dbg_t0, dbg_again_since, dbg_agains;
  unsigned dbg_msgs[16]; /* this batch, by bt_message_type bit */
  char note[512];
  uint32_t last_pid;
  uint64_t last_ts;
  const bt_clock_class *clock; /* the first clock seen, its frequency and offset */
  uint64_t freq;
  int64_t first_offset;        /* ns */
  char path[256];
} lttng_source;

static int member_index(const bt_field_class *sc, const char *name) {
  if (sc == NULL || bt_field_class_get_type(sc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
    return -1;
  uint64_t n = bt_field_class_structure_get_member_count(sc);
  for (uint64_t i = 0; i < n; i++) {
    const bt_field_class_structure_member *m =
        bt_field_class_structure_borrow_member_by_index_const(sc, i);
    const char *mn = bt_field_class_structure_member_get_name(m);
    /* CTF 1.8 names may keep a leading underscore ("_vpid"). */
    if (strcmp(mn, name) == 0 || (mn[0] == '_' && strcmp(mn + 1, name) == 0))
      return (int)i;
  }
  return -1;
}

static ev_class *class_of(lttng_source *s, const bt_event *event) {
  const bt_event_class *cls = bt_event_borrow_class_const(event);
  for (size_t i = 0; i < s->nclasses; i++) /* a handful of classes: a scan is enough */
    if (s->classes[i].cls == cls)
      return &s->classes[i];
  if (tt__grow(&s->classes, &s->cclasses, s->nclasses + 1, sizeof *s->classes, 32) < 0)
    return NULL;
  ev_class *ec = &s->classes[s->nclasses++];
  memset(ec, 0, sizeof *ec);
  ec->cls = cls;
  const char *name = bt_event_class_get_name(cls);
  if (name != NULL && strncmp(name, "tasktrace:", 10) == 0)
    ec->type = tt_ev_lookup(name + 10);
  const tt_ev_desc *d = tt_ev_describe(ec->type);
  const bt_field_class *pc = bt_event_class_borrow_payload_field_class_const(cls);
  for (int i = 0; i < TT_EVENT_FIELDS; i++) {
    ec->member[i] = d && d->kind[i] != TT_FIELD_NONE ? member_index(pc, d->field[i]) : -1;
    if (ec->member[i] >= 0) {
      const bt_field_class *mc = bt_field_class_structure_member_borrow_field_class_const(
          bt_field_class_structure_borrow_member_by_index_const(pc, (uint64_t)ec->member[i]));
      bt_field_class_type t = bt_field_class_get_type(mc);
      ec->is_signed[i] = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
      /* A field of the wrong kind (a string where the schema says integer,
       * or the reverse) is left out rather than misread. */
      int is_int = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER);
      if ((d->kind[i] == TT_FIELD_STR) != (t == BT_FIELD_CLASS_TYPE_STRING) ||
          (d->kind[i] != TT_FIELD_STR && !is_int))
        ec->member[i] = -1;
    }
  }
  const bt_stream_class *stc = bt_event_class_borrow_stream_class_const(cls);
  const bt_field_class *cc = bt_stream_class_borrow_event_common_context_field_class_const(stc);
  ec->ctx_vpid = member_index(cc, "vpid");
  ec->ctx_vtid = member_index(cc, "vtid");
  return ec;
}

static uint64_t int_value(const bt_field *f) {
  bt_field_class_type t = bt_field_get_class_type(f);
  if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
    return bt_field_integer_unsigned_get_value(f);
  if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
    return (uint64_t)bt_field_integer_signed_get_value(f);
  return 0;
}

/* The pid of a trace without a vpid context: per-PID buffers say it in the
 * trace environment. */
static int env_pid(const bt_event *event, uint32_t *pid) {
  const bt_trace *tr = bt_stream_borrow_trace_const(bt_event_borrow_stream_const(event));
  const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(tr, "vpid");
  *pid = 0;
  if (v != NULL && bt_value_get_type(v) == BT_VALUE_TYPE_SIGNED_INTEGER) {
    *pid = (uint32_t)bt_value_integer_signed_get(v);
    return 1;
  }
  return 0;
}

/* No vpid anywhere: events of two programs traced at once (per-UID
 * buffers, the default) would be merged into one process, one's lock
 * waiters in the other's report. A process creates each task and object
 * id once, so an id created twice proves a second process: refused,
 * naming the fix. Otherwise it is read as one process, with a note. */
static int check_once(lttng_source *s, const tt_trace_event *ev) {
  if ((ev->type != TT_EV_task_create && ev->type != TT_EV_object_name) || ev->u[0] == 0)
    return 0; /* 0: the loop, named once per tt_run */
  if (tt__vmap_get(&s->once, ev->type, ev->u[0]) == UINT32_MAX)
    return tt__vmap_put(&s->once, ev->type, ev->u[0], 1) < 0 ? -ENOMEM : 0;
  snprintf(s->why, sizeof s->why,
           "events carry no vpid context and come from more than one process (%s %llu was "
           "created twice); two programs traced at once cannot be told apart: record with "
           "`lttng add-context -u -t vpid -t vtid`",
           ev->type == TT_EV_task_create ? "task" : "object", (unsigned long long)ev->u[0]);
  return -EPROTO;
}

/* A clock snapshot in ns of the first clock's own count (no origin offset):
 * for LTTng's monotonic clock, CLOCK_MONOTONIC, the clock of .ttrace files.
 * A snapshot of another clock class is taken as ns from its origin and
 * moved into the first clock's frame (the muxer already refused clocks
 * that cannot be correlated). */
static int64_t offset_ns(const bt_clock_class *cc) {
  int64_t sec = 0;
  uint64_t cyc = 0;
  bt_clock_class_get_offset(cc, &sec, &cyc);
  uint64_t f = bt_clock_class_get_frequency(cc);
  return sec * 1000000000 + (int64_t)((long double)cyc * 1e9L / (long double)(f ? f : 1));
}

static uint64_t snapshot_ns(lttng_source *s, const bt_clock_snapshot *cs) {
  const bt_clock_class *cc = bt_clock_snapshot_borrow_clock_class_const(cs);
  if (s->clock == NULL) {
    s->clock = cc;
    s->freq = bt_clock_class_get_frequency(cc);
    s->first_offset = offset_ns(cc);
  }
  if (cc != s->clock) {
    int64_t ns = 0;
    if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
      return s->last_ts; /* overflow: keep the order */
    ns -= s->first_offset;
    return ns < 0 ? 0 : (uint64_t)ns;
  }
  uint64_t cycles = bt_clock_snapshot_get_value(cs);
  if (s->freq == 1000000000u)
    return cycles;
  return (uint64_t)((long double)cycles * 1e9L / (long double)s->freq);
}

static int reserve(lttng_source *s) {
  return tt__grow(&s->buf, &s->cbuf, s->nbuf + 1, sizeof *s->buf, 1024);
}

static int push_event(lttng_source *s, const tt_trace_event *ev) {
  if (reserve(s) < 0)
    return -ENOMEM;
  s->buf[s->nbuf++] = *ev;
  return 0;
}

static int convert(lttng_source *s, const bt_message *msg) {
  const bt_event *event = bt_message_event_borrow_event_const(msg);
  ev_class *ec = class_of(s, event);
  if (ec == NULL)
    return -ENOMEM;
  if (ec->type == TT_EV_NONE) {
    s->skipped++;
    return 0;
  }
  /* A valid CTF trace may have no clock: its events have no time, and
   * the model needs one order in time. Refused (not ordered by arrival:
   * with several streams arrival order means nothing). */
  const bt_stream_class *stc = bt_event_class_borrow_stream_class_const(bt_event_borrow_class_const(event));
  if (bt_stream_class_borrow_default_clock_class_const(stc) == NULL)
    return -EDOM;
  if (reserve(s) < 0)
    return -ENOMEM;
  tt_trace_event *ev = &s->buf[s->nbuf];
  memset(ev, 0, sizeof *ev);
  ev->type = ec->type;
  ev->ts = snapshot_ns(s, bt_message_event_borrow_default_clock_snapshot_const(msg));
  const bt_field *payload = bt_event_borrow_payload_field_const(event);
  const tt_ev_desc *d = tt_ev_describe(ec->type);
  for (int i = 0; i < TT_EVENT_FIELDS; i++) {
    if (ec->member[i] < 0)
      continue;
    const bt_field *f =
        bt_field_structure_borrow_member_field_by_index_const(payload, (uint64_t)ec->member[i]);
    if (d->kind[i] == TT_FIELD_STR) {
      if ((ev->s[i] = tt__strset_intern(&s->strs, bt_field_string_get_value(f))) == NULL)
        return -ENOMEM;
    } else if (ec->is_signed[i]) {
      ev->u[i] = (uint64_t)bt_field_integer_signed_get_value(f);
    } else {
      ev->u[i] = bt_field_integer_unsigned_get_value(f);
    }
  }
  if (ec->ctx_vpid >= 0 || ec->ctx_vtid >= 0) {
    const bt_field *ctx = bt_event_borrow_common_context_field_const(event);
    if (ctx != NULL && ec->ctx_vpid >= 0)
      ev->pid = (uint32_t)int_value(
          bt_field_structure_borrow_member_field_by_index_const(ctx, (uint64_t)ec->ctx_vpid));
    if (ctx != NULL && ec->ctx_vtid >= 0)
      ev->tid = (uint32_t)int_value(
          bt_field_structure_borrow_member_field_by_index_const(ctx, (uint64_t)ec->ctx_vtid));
  }
  if (ec->ctx_vpid < 0 && !env_pid(event, &ev->pid)) {
    s->pid_unknown = 1;
    int r = check_once(s, ev);
    if (r < 0)
      return r;
  }
  s->last_pid = ev->pid;
  s->last_ts = ev->ts;
  s->nbuf++;
  return 0;
}

/* LTTng's ring buffer was full and events were dropped: the viewer shows
 * a gap, as for a `lost` event of the native path. The message names no
 * process; the last one seen is the best guess with per-UID buffers, and
 * exact with per-PID buffers (the trace environment). */
static int discarded(lttng_source *s, const bt_message *msg) {
  tt_trace_event ev = {.type = TT_EV_lost, .pid = s->last_pid};
  uint64_t n = 0;
  if (bt_message_discarded_events_get_count(msg, &n) != BT_PROPERTY_AVAILABILITY_AVAILABLE)
    n = 1;
  ev.u[0] = n;
  const bt_stream *st = bt_message_discarded_events_borrow_stream_const(msg);
  const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(
      bt_stream_borrow_trace_const(st), "vpid");
  if (v != NULL && bt_value_get_type(v) == BT_VALUE_TYPE_SIGNED_INTEGER)
    ev.pid = (uint32_t)bt_value_integer_signed_get(v);
  if (bt_stream_class_discarded_events_have_default_clock_snapshots(
          bt_stream_borrow_class_const(st))) {
    ev.ts = snapshot_ns(s, bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg));
  } else {
    ev.ts = s->last_ts;
  }
  if (ev.ts < s->last_ts)
    ev.ts = s->last_ts; /* keep the output in order */
  return push_event(s, &ev);
}

/* A stream begins: the event classes its metadata declares are what the
 * session enabled (LTTng declares an event once a rule matches it, log
 * level included), whether or not the program emitted any. */
static void note_classes(lttng_source *s, const bt_message *msg) {
  const bt_stream_class *sc =
      bt_stream_borrow_class_const(bt_message_stream_beginning_borrow_stream_const(msg));
  uint64_t n = bt_stream_class_get_event_class_count(sc);
  for (uint64_t i = 0; i < n; i++) {
    const char *name =
        bt_event_class_get_name(bt_stream_class_borrow_event_class_by_index_const(sc, i));
    unsigned t = name != NULL && strncmp(name, "tasktrace:", 10) == 0 ? tt_ev_lookup(name + 10) : 0;
    if (t != TT_EV_NONE)
      s->recorded |= TT__BIT(t);
  }
  if (s->recorded == 0)
    return; /* not a tasktrace trace: nothing to say */
  uint64_t all = 0;
  for (unsigned t = 1; t < TT_EV_MAX; t++)
    if (tt_ev_describe(t) != NULL)
      all |= TT__BIT(t);
  s->base.unrecorded = all & ~s->recorded;
}

static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *it,
                                                                   void *arg) {
  lttng_source *s = arg;
  bt_message_array_const msgs;
  uint64_t count;
  switch (bt_message_iterator_next(it, &msgs, &count)) {
  case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK: break;
  case BT_MESSAGE_ITERATOR_NEXT_STATUS_END: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
  case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
  case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
  default: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
  }
  int err = 0;
  for (uint64_t i = 0; i < count; i++) {
    if (s->debug) {
      unsigned t = (unsigned)bt_message_get_type(msgs[i]), b = 0;
      while (t > 1 && b < 15)
        t >>= 1, b++;
      s->dbg_msgs[b]++;
    }
    if (!err && bt_message_get_type(msgs[i]) == BT_MESSAGE_TYPE_EVENT)
      err = convert(s, msgs[i]);
    else if (!err && bt_message_get_type(msgs[i]) == BT_MESSAGE_TYPE_DISCARDED_EVENTS)
      err = discarded(s, msgs[i]);
    else if (bt_message_get_type(msgs[i]) == BT_MESSAGE_TYPE_STREAM_BEGINNING)
      note_classes(s, msgs[i]);
    bt_message_put_ref(msgs[i]);
  }
  if (err) {
    if (err == -EDOM) {
      s->no_clock = 1;
      s->error = "the trace has no clock: cannot order events in time";
      return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    }
    if (err == -EPROTO) {
      s->refused = 1;
      return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    }
    s->error = "out of memory";
    return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
  }
  return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* The causes babeltrace2 recorded for its last error, joined on one line
 * after what. (Its components also log their errors on stderr.) */
static void take_bt_error(tt_source *src, const char *what) {
  const bt_error *e = bt_current_thread_take_error();
  size_t len = (size_t)snprintf(src->error, sizeof src->error, "%s", what);
  if (e != NULL) {
    uint64_t n = bt_error_get_cause_count(e), shown = 0;
    /* Index 0 is the root cause: take the two innermost that say something
     * (not babeltrace2's plumbing: "...method failed: comp-addr=0x..."),
     * outer first. */
    uint64_t from = 0, k = 0;
    for (uint64_t i = 0; i < n && k < 2; i++)
      if (strstr(bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i)),
                 "comp-addr=") == NULL &&
          strstr(bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i)), "iter-addr=") == NULL)
        from = i, k++;
    for (uint64_t i = from + 1; i-- > 0 && shown < k && len < sizeof src->error;) {
      const char *msg = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i));
      if (strstr(msg, "comp-addr=") != NULL || strstr(msg, "iter-addr=") != NULL)
        continue;
      shown++;
      /* On one line, and escaped: the causes quote names from the trace. */
      char one[400];
      snprintf(one, sizeof one, "%s", msg);
      for (char *p = one; *p; p++)
        if (*p == '\n')
          *p = ' ';
      if (len + 2 < sizeof src->error) {
        memcpy(src->error + len, ": ", 3);
        len += 2;
        len += tt_escape(src->error + len, sizeof src->error - len, one, (size_t)-1, 0);
      }
    }
    bt_error_release(e);
  }
}

/* TASKTRACE_LIVE_DEBUG=1: when each batch of messages reaches us, what
 * it held, and how long the graph said AGAIN before it (runs of AGAIN are
 * counted, not printed), so that a delay can be placed: in the relay
 * (nothing but AGAIN, or only inactivity beacons, while the program
 * runs) or here (events came, no summary). 2: also src.ctf.lttng-live's
 * own debug log. */
static void debug_batch(lttng_source *s, bt_graph_run_once_status st) {
  static const char *const names[16] = {"stream-begin", "stream-end", "event", "packet-begin",
                                        "packet-end", "discarded-events", "discarded-packets",
                                        "inactivity"};
  uint64_t now = tt_now_ns();
  if (s->dbg_t0 == 0)
    s->dbg_t0 = now;
  if (st == BT_GRAPH_RUN_ONCE_STATUS_AGAIN && s->nbuf == 0 && s->dbg_msgs[2] == 0 &&
      s->dbg_msgs[7] == 0) {
    if (s->dbg_agains++ == 0)
      s->dbg_again_since = now;
    return;
  }
  char line[400];
  size_t n = (size_t)snprintf(line, sizeof line, "tasktrace: live: %8.3f s %s", (now - s->dbg_t0) / 1e9,
                              st == BT_GRAPH_RUN_ONCE_STATUS_OK      ? "OK"
                              : st == BT_GRAPH_RUN_ONCE_STATUS_AGAIN ? "AGAIN"
                              : st == BT_GRAPH_RUN_ONCE_STATUS_END   ? "END"
                                                                     : "ERROR");
  if (s->dbg_agains > 0)
    n += (size_t)snprintf(line + n, sizeof line - n, " (after %llu AGAIN over %.3f s)",
                          (unsigned long long)s->dbg_agains, (now - s->dbg_again_since) / 1e9);
  n += (size_t)snprintf(line + n, sizeof line - n, ": %zu events to the model, total %llu;", s->nbuf,
                        (unsigned long long)(s->events + s->nbuf));
  /* LTTng's clock is CLOCK_MONOTONIC, ours too: on one host, how long
   * the newest event took from the tracepoint to here (live timer, consumer,
   * relay, viewer protocol). */
  if (s->nbuf > 0 && s->buf[s->nbuf - 1].ts <= now)
    n += (size_t)snprintf(line + n, sizeof line - n, " newest %.3f s old;",
                          (now - s->buf[s->nbuf - 1].ts) / 1e9);
  for (int b = 0; b < 16 && n < sizeof line; b++)
    if (s->dbg_msgs[b] > 0)
      n += (size_t)snprintf(line + n, sizeof line - n, " %s %u", names[b] ? names[b] : "other",
                            s->dbg_msgs[b]);
  fprintf(stderr, "%s\n", line);
  memset(s->dbg_msgs, 0, sizeof s->dbg_msgs);
  s->dbg_agains = 0;
}

static int lttng_next(tt_source *src, tt_trace_event *ev) {
  lttng_source *s = (lttng_source *)src;
  while (s->ibuf == s->nbuf) {
    if (s->eof)
      return 0;
    s->ibuf = s->nbuf = 0;
    bt_graph_run_once_status st = bt_graph_run_once(s->graph);
    if (s->debug)
      debug_batch(s, st);
    if (st != BT_GRAPH_RUN_ONCE_STATUS_OK && st != BT_GRAPH_RUN_ONCE_STATUS_AGAIN &&
        st != BT_GRAPH_RUN_ONCE_STATUS_END && s->no_clock) {
      bt_current_thread_clear_error(); /* our own reason says it all */
      return tt__source_fail(src, -EDOM, "%s: %s", s->path, s->error);
    }
    if (st != BT_GRAPH_RUN_ONCE_STATUS_OK && st != BT_GRAPH_RUN_ONCE_STATUS_AGAIN &&
        st != BT_GRAPH_RUN_ONCE_STATUS_END && s->refused) {
      bt_current_thread_clear_error();
      return tt__source_fail(src, -EPROTO, "%s: %s", s->path, s->why);
    }
    if (s->live && s->nbuf == 0 &&
        (st == BT_GRAPH_RUN_ONCE_STATUS_AGAIN || st == BT_GRAPH_RUN_ONCE_STATUS_OK)) {
      /* Nothing for us: lttng-relayd has nothing new (AGAIN), or only
       * packet bounds and inactivity beacons came. -EAGAIN (in follow
       * mode) as soon as a burst of events has been handed out, so that
       * the caller can show it at once, and then every follow_ms while
       * nothing comes. The time is counted from the last -EAGAIN: counted
       * from the last batch of messages instead, the beacons, which come
       * every live timer period (lttng create --live=USEC), reset it before
       * it ran out whenever that period was at most follow_ms, and
       * summary --follow showed nothing until the session ended. */
      uint64_t now = tt_now_ns();
      if (src->follow_ms > 0 &&
          (s->handed || now - s->yielded_at >= (uint64_t)src->follow_ms * 1000000u)) {
        s->yielded_at = now;
        s->handed = 0;
        return -EAGAIN;
      }
      if (st == BT_GRAPH_RUN_ONCE_STATUS_AGAIN)
        nanosleep(&(struct timespec){0, 10 * 1000000}, NULL); /* wait a little, not spin */
      continue;
    }
    if (st == BT_GRAPH_RUN_ONCE_STATUS_END)
      s->eof = 1;
    else if (st == BT_GRAPH_RUN_ONCE_STATUS_MEMORY_ERROR) {
      bt_current_thread_clear_error();
      return tt__source_fail(src, -ENOMEM, "%s: out of memory after %llu events", s->path,
                             (unsigned long long)s->events);
    } else if (st != BT_GRAPH_RUN_ONCE_STATUS_OK && st != BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
      char what[400];
      snprintf(what, sizeof what,
               s->live ? "%s: cannot read this LTTng live session after %llu events"
                       : "%s: cannot read the LTTng trace after %llu events",
               s->path, (unsigned long long)s->events);
      take_bt_error(src, what);
      return -EBADMSG;
    }
  }
  *ev = s->buf[s->ibuf++];
  s->events++;
  s->handed = 1;
  return 1;
}

static void lttng_progress(const tt_source *src, uint64_t *done, uint64_t *total) {
  const lttng_source *s = (const lttng_source *)src;
  *done = s->events;
  *total = 0;
}

static const char *lttng_note(const tt_source *src) {
  lttng_source *s = (lttng_source *)src;
  if (!s->pid_unknown || s->refused)
    return NULL;
  snprintf(s->note, sizeof s->note,
           "%s: events carry no vpid context: read as one process (nothing shows a second); if "
           "two programs were traced at once they are merged: record with "
           "`lttng add-context -u -t vpid -t vtid`",
           s->path);
  return s->note;
}

static void lttng_close(tt_source *src) {
  lttng_source *s = (lttng_source *)src;
  tt__vmap_free(&s->once);
  bt_graph_put_ref(s->graph);
  for (size_t i = 0; i < s->ndirs; i++)
    free(s->dirs[i]);
  free(s->dirs);
  tt__strset_free(&s->strs);
  free(s->buf);
  free(s->classes);
  free(s);
}

static const tt__source_ops lttng_ops = {lttng_next, lttng_progress, lttng_note, lttng_close};

/* Finding the traces: every directory holding a `metadata` file, within
 * WALK_DEPTH levels (`lttng` writes DIR/ust/pid/NAME-PID-DATE/64-bit/) and
 * WALK_ENTRIES entries, so that a tree that is no trace (`summary /tmp`)
 * gets one line at once instead of a walk of the whole disk.
 * nftw has no user pointer: the walk is single-threaded, a static will do. */
#define WALK_DEPTH 8
#define WALK_ENTRIES 100000
static lttng_source *walking;
static int walk_err;
static long walk_seen;
static char walk_bad[256]; /* the non-regular file met, escaped */

/* babeltrace2 opens every file of a trace: a FIFO would block it, a device
 * would feed it forever. A trace directory holding one (or a link to one)
 * is refused. 0, or -ESPIPE with walk_bad set. */
static int check_trace_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return 0; /* babeltrace2 will say */
  struct dirent *de;
  int r = 0;
  while (r == 0 && (de = readdir(d)) != NULL) {
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
      continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    tt_esc(walk_bad, sizeof walk_bad, path);
    r = -ESPIPE;
  }
  closedir(d);
  return r;
}

static int on_file(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  if (++walk_seen > WALK_ENTRIES)
    return FTW_STOP;
  if (flag == FTW_D && ftw->level >= WALK_DEPTH)
    return FTW_SKIP_SUBTREE;
  size_t len = strlen(path);
  if (len < 9 || strcmp(path + len - 9, "/metadata") != 0 || (flag != FTW_F && flag != FTW_SL))
    return FTW_CONTINUE;
  struct stat target;
  if ((flag == FTW_F && !S_ISREG(st->st_mode)) ||
      (flag == FTW_SL && (stat(path, &target) < 0 || !S_ISREG(target.st_mode)))) {
    tt_esc(walk_bad, sizeof walk_bad, path);
    walk_err = -ESPIPE;
    return FTW_STOP;
  }
  int r = tt_grow(&walking->dirs, &walking->cdirs, walking->ndirs + 1, sizeof *walking->dirs, 8);
  if (r < 0 || (walking->dirs[walking->ndirs] = strndup(path, len - 9)) == NULL) {
    walk_err = r < 0 ? r : -ENOMEM;
    return FTW_STOP;
  }
  if ((walk_err = check_trace_dir(walking->dirs[walking->ndirs++])) < 0)
    return FTW_STOP;
  return FTW_CONTINUE;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int build_graph(lttng_source *s, char *err, size_t errlen) {
  const bt_plugin *ctf = NULL, *utils = NULL;
  if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &ctf) !=
          BT_PLUGIN_FIND_STATUS_OK ||
      bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &utils) !=
          BT_PLUGIN_FIND_STATUS_OK) {
    bt_plugin_put_ref(ctf);
    bt_current_thread_clear_error();
    return tt__errf(err, errlen, -ENOENT,
                    "%s: babeltrace2's ctf and utils plugins are not installed", s->path);
  }
  int r = -EINVAL;
  const bt_component_class_source *fs =
      bt_plugin_borrow_source_component_class_by_name_const(ctf, s->live ? "lttng-live" : "fs");
  const bt_component_class_filter *muxc =
      bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer");
  const bt_component_filter *mux = NULL;
  const bt_component_sink *sink = NULL;
  s->graph = bt_graph_create(0);
  if (fs == NULL || muxc == NULL || s->graph == NULL ||
      bt_graph_add_filter_component(s->graph, muxc, "muxer", NULL, BT_LOGGING_LEVEL_NONE, &mux) !=
          BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
      bt_graph_add_simple_sink_component(s->graph, "tasktrace", NULL, consume, NULL, s, &sink) !=
          BT_GRAPH_ADD_COMPONENT_STATUS_OK)
    goto fail;
  for (size_t i = 0; i < s->ndirs; i++) {
    bt_value *params = bt_value_map_create();
    bt_value *inputs = NULL;
    if (params == NULL ||
        bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) !=
            BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
        bt_value_array_append_string_element(inputs, s->dirs[i]) !=
            BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK ||
        (s->live && bt_value_map_insert_string_entry(params, "session-not-found-action", "fail") !=
                        BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK)) {
      bt_value_put_ref(params);
      goto fail;
    }
    char name[32];
    snprintf(name, sizeof name, "src%zu", i);
    const bt_component_source *src = NULL;
    bt_graph_add_component_status st = bt_graph_add_source_component(
        s->graph, fs, name, params, s->debug > 1 ? BT_LOGGING_LEVEL_DEBUG : BT_LOGGING_LEVEL_NONE, &src);
    bt_value_put_ref(params);
    if (st != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
      char what[400], e[300];
      snprintf(what, sizeof what, s->live ? "%s: cannot read this LTTng live session" :
               "%s: not a readable CTF trace", tt_esc(e, sizeof e, s->dirs[i]));
      take_bt_error(&s->base, what);
      tt__errf(err, errlen, -EBADMSG, "%s", s->base.error);
      r = -EBADMSG;
      goto fail_quiet;
    }
    /* Every stream of this trace into the muxer, which grows an input
     * port each time one is connected. */
    uint64_t nout = bt_component_source_get_output_port_count(src);
    for (uint64_t k = 0; k < nout; k++) {
      const bt_port_output *op = bt_component_source_borrow_output_port_by_index_const(src, k);
      uint64_t nin = bt_component_filter_get_input_port_count(mux);
      const bt_port_input *ip = bt_component_filter_borrow_input_port_by_index_const(mux, nin - 1);
      if (bt_graph_connect_ports(s->graph, op, ip, NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
        goto fail;
    }
  }
  if (bt_graph_connect_ports(s->graph, bt_component_filter_borrow_output_port_by_name_const(mux, "out"),
                             bt_component_sink_borrow_input_port_by_index_const(sink, 0),
                             NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
    goto fail;
  bt_plugin_put_ref(ctf);
  bt_plugin_put_ref(utils);
  return 0;
fail:
  take_bt_error(&s->base, s->path);
  tt__errf(err, errlen, r, "%s", s->base.error);
fail_quiet:
  bt_plugin_put_ref(ctf);
  bt_plugin_put_ref(utils);
  return r;
}

int tt_source_open_lttng(const char *dir, tt_source **out, char *err, size_t errlen) {
  lttng_source *s = calloc(1, sizeof *s);
  if (s == NULL)
    return tt__errf(err, errlen, -ENOMEM, "out of memory");
  s->base.ops = &lttng_ops;
  tt__vmap_init(&s->once);
  tt_esc(s->path, sizeof s->path, dir); /* for messages: escaped once */
  if (tt__is_live_url(dir)) {
    s->live = 1;
    s->yielded_at = tt_now_ns();
    const char *dbg = getenv("TASKTRACE_LIVE_DEBUG");
    if (dbg != NULL && *dbg != '\0' && strcmp(dbg, "0") != 0) {
      s->debug = strcmp(dbg, "1") == 0 ? 1 : strcmp(dbg, "2") == 0 ? 2 : 0;
      if (s->debug == 0)
        fprintf(stderr, "tasktrace: warning: TASKTRACE_LIVE_DEBUG='%s' is not 0, 1 or 2: ignored\n",
                tt_esc((char[64]){0}, 64, dbg));
    }
    int r = (s->dirs = calloc(1, sizeof *s->dirs)) == NULL || (s->dirs[0] = strdup(dir)) == NULL
                ? tt__errf(err, errlen, -ENOMEM, "out of memory")
                : 0;
    s->ndirs = r < 0 ? 0 : 1;
    if (r == 0)
      r = build_graph(s, err, errlen);
    if (r < 0) {
      lttng_close(&s->base);
      return r;
    }
    *out = &s->base;
    return 0;
  }
  walking = s;
  walk_err = 0;
  walk_seen = 0;
  if (nftw(dir, on_file, 32, FTW_PHYS | FTW_ACTIONRETVAL) < 0 && walk_err == 0)
    walk_err = -errno;
  walking = NULL;
  int r = walk_err;
  if (r == -ESPIPE)
    tt__errf(err, errlen, r, "%s: not a regular file (in the trace directory %s)", walk_bad,
             s->path);
  else if (r < 0)
    tt__errf(err, errlen, r, "%s: %s", s->path, strerror(-r));
  else if (s->ndirs == 0)
    r = tt__errf(err, errlen, -ENOENT,
                 "%s: not a trace: a directory, but no LTTng (CTF) trace inside (no 'metadata' "
                 "file within %d levels%s)",
                 s->path, WALK_DEPTH,
                 walk_seen > WALK_ENTRIES ? "; stopped after 100000 entries" : "");
  else {
    qsort(s->dirs, s->ndirs, sizeof *s->dirs, cmp_str);
    r = build_graph(s, err, errlen);
  }
  if (r < 0) {
    lttng_close(&s->base);
    return r;
  }
  *out = &s->base;
  return 0;
}

#else /* built without libbabeltrace2 (CMake did not find it) */

int tt_source_open_lttng(const char *dir, tt_source **out, char *err, size_t errlen) {
  (void)out;
  return tt__errf(err, errlen, -ENOTSUP,
                  "%s: this tasktrace was built without libbabeltrace2, it cannot read LTTng traces"
                  " (install libbabeltrace2-dev and rebuild)",
                  tt_esc((char[512]){0}, 512, dir));
}
#endif
