/* The viewer's model, sources, renderers and escaping, on events built by
 * hand (whose every number is worked out in the comments) and on .ttrace
 * files written with the collector's writer. Text outputs are compared with
 * golden files in tests/viewer/expect (TT_UPDATE_EXPECT=1 rewrites them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "tasktrace/viewer.h"
#include "tt_test.h"

#define PID 100

static tt_trace_event E(uint64_t ts, unsigned type, uint64_t a, uint64_t b, uint64_t c,
                        uint64_t d) {
  tt_trace_event e = {.type = type, .pid = PID, .tid = PID, .ts = ts};
  e.u[0] = a, e.u[1] = b, e.u[2] = c, e.u[3] = d;
  return e;
}
static tt_trace_event S(tt_trace_event e, int slot, const char *s) {
  e.s[slot] = s;
  return e;
}

/* Two customers and a lock: alice takes it (uncontended: no event) and
 * sleeps holding it; bob contends, waits, gets it handed over. */
static size_t bank(tt_trace_event *ev) {
  size_t n = 0;
  ev[n++] = S(E(0, TT_EV_object_name, 0, TT_KIND_loop, 0, 0), 2, "loop");
  ev[n++] = S(E(1000, TT_EV_object_name, 10, TT_KIND_lock, 0, 0), 2, "account");
  ev[n++] = S(S(E(1000, TT_EV_task_create, 1, 0, 0, 0), 2, "main"), 3, "main.c:1");
  ev[n++] = E(2000, TT_EV_loop_poll_begin, 0, 0, 0, 0);
  ev[n++] = E(3000, TT_EV_loop_poll_end, 0, 0, 0, 0);
  ev[n++] = E(4000, TT_EV_task_switch, 0, 1, TT_STATE_start, 0);
  ev[n++] = S(S(E(5000, TT_EV_task_create, 2, 1, 0, 0), 2, "alice"), 3, "bank.c:10");
  ev[n++] = S(S(E(5000, TT_EV_task_create, 3, 1, 0, 0), 2, "bob"), 3, "bank.c:10");
  ev[n++] = E(6000, TT_EV_task_switch, 1, 2, TT_STATE_join, 2);
  ev[n++] = E(7000, TT_EV_task_switch, 2, 3, TT_STATE_sleep, 0);
  ev[n++] = E(8000, TT_EV_lock_contended, 10, 3, 2, 0);
  ev[n++] = E(8000, TT_EV_task_switch, 3, 0, TT_STATE_lock, 10);
  ev[n++] = E(9000, TT_EV_loop_poll_begin, 0, 0, 0, 0);
  ev[n++] = E(20000, TT_EV_loop_poll_end, 0, 0, 0, 0);
  ev[n++] = E(20100, TT_EV_task_wake, 2, 0, 0, 0);
  ev[n++] = E(21000, TT_EV_task_switch, 0, 2, TT_STATE_start, 0);
  ev[n++] = E(22000, TT_EV_lock_released, 10, 2, 15000, 0);
  ev[n++] = E(22000, TT_EV_task_wake, 3, 2, 10, 0);
  ev[n++] = E(23000, TT_EV_task_exit, 2, TT_EXIT_OK, 0, 0);
  ev[n++] = E(23000, TT_EV_task_switch, 2, 3, TT_STATE_done, 0);
  ev[n++] = E(24000, TT_EV_lock_acquired, 10, 3, 16000, 0);
  ev[n++] = S(E(25000, TT_EV_slow_step, 3, 150000000, 0, 0), 2, "bank.c:20");
  ev[n++] = E(26000, TT_EV_lock_released, 10, 3, 2000, 0);
  ev[n++] = E(26000, TT_EV_task_exit, 3, TT_EXIT_ERROR, (uint64_t)-110, 0);
  ev[n++] = E(26000, TT_EV_task_wake, 1, 3, 3, 0);
  ev[n++] = E(26000, TT_EV_task_switch, 3, 1, TT_STATE_done, 0);
  ev[n++] = S(E(26500, TT_EV_mark, 1, 0, 0, 0), 1, "all done");
  ev[n++] = E(27000, TT_EV_task_exit, 1, TT_EXIT_OK, 0, 0);
  ev[n++] = E(27000, TT_EV_task_switch, 1, 0, TT_STATE_done, 0);
  return n;
}

typedef struct rec {
  tt_interval iv[128];
  size_t niv;
  tt_flow fl[16];
  size_t nfl;
  size_t ninst;
} rec;
static void rec_iv(void *a, const tt_model *m, const tt_interval *iv) {
  rec *r = a;
  if (r->niv < 128)
    r->iv[r->niv++] = *iv;
}
static void rec_fl(void *a, const tt_model *m, const tt_flow *f) {
  rec *r = a;
  if (r->nfl < 16)
    r->fl[r->nfl++] = *f;
}
static void rec_in(void *a, const tt_model *m, const tt_trace_event *ev) { ((rec *)a)->ninst++; }

static tt_model *load(const tt_trace_event *ev, size_t n, const tt_model_hooks *h) {
  tt_model *m;
  ASSERT_OK(tt_model_new(h, &m));
  tt_source *src;
  ASSERT_OK(tt_source_from_array(ev, n, &src));
  char err[256];
  ASSERT_OK(tt_model_load(m, src, "test", err, sizeof err));
  tt_source_close(src);
  return m;
}

static const tt_vtask *task_named(const tt_model *m, const char *name) {
  for (size_t i = 0; i < tt_model_ntasks(m); i++)
    if (strcmp(tt_model_task(m, i)->name, name) == 0)
      return tt_model_task(m, i);
  tt_test_fail(__FILE__, __LINE__, "no task %s", name);
}

TEST(model_states_and_totals) {
  tt_trace_event ev[64];
  size_t n = bank(ev);
  rec r = {0};
  tt_model_hooks h = {.arg = &r, .interval = rec_iv, .flow = rec_fl, .instant = rec_in};
  tt_model *m = load(ev, n, &h);
  ASSERT_EQ(tt_model_events(m), n);
  ASSERT_EQ(tt_model_ntasks(m), 3);
  const tt_vtask *alice = task_named(m, "alice"), *bob = task_named(m, "bob"),
                 *main_ = task_named(m, "main");
  /* alice: runnable 5000-6000, running 6000-7000, sleep 7000-20100,
   * runnable 20100-21000, running 21000-23000. */
  ASSERT_EQ(alice->runnable, 1000 + 900);
  ASSERT_EQ(alice->busy, 1000 + 2000);
  ASSERT_EQ(alice->blocked, 13100);
  ASSERT_EQ(alice->longest_step, 2000);
  ASSERT_EQ(alice->longest_step_at, 21000);
  ASSERT_EQ(alice->switches, 2);
  ASSERT_EQ(alice->parent, 1);
  ASSERT_STR_EQ(alice->site, "bank.c:10");
  ASSERT_TRUE(alice->exited && alice->status == TT_EXIT_OK);
  /* bob: runnable 5000-7000, running 7000-8000, lock 8000-22000, runnable
   * 22000-23000, running 23000-26000; woken once by alice. */
  ASSERT_EQ(bob->runnable, 3000);
  ASSERT_EQ(bob->busy, 4000);
  ASSERT_EQ(bob->blocked, 14000);
  ASSERT_EQ(bob->wakes, 1);
  ASSERT_EQ(bob->result, -110);
  ASSERT_EQ(bob->status, TT_EXIT_ERROR);
  /* main: runnable 1000-4000, running 4000-6000 and 26000-27000, joined
   * 6000-26000. */
  ASSERT_EQ(main_->runnable, 3000);
  ASSERT_EQ(main_->busy, 3000);
  ASSERT_EQ(main_->blocked, 20000);
  /* Latency samples: 3000 (main), 1000 (alice), 2000 (bob), 900, 1000, 0. */
  ASSERT_EQ(tt_model_latency_count(m, 0), 6);
  ASSERT_EQ(tt_model_latency(m, 0, 1.0), 3000);
  ASSERT_EQ(tt_model_latency(m, 0, 0.0), 0);
  /* The loop: polls 2000-3000 and 9000-20000; its lane spans 2000-27000. */
  const tt_vproc *p = tt_model_proc(m, 0);
  ASSERT_EQ(p->poll_ns, 12000);
  ASSERT_EQ(p->loop_span_ns, 25000);
  ASSERT_EQ(p->nlive, 0);
  ASSERT_EQ(p->slow_steps, 1);
  /* The lock. */
  ASSERT_EQ(tt_model_nlocks(m), 1);
  const tt_vlock *l = tt_model_lock(m, 0);
  ASSERT_STR_EQ(l->name, "account");
  ASSERT_EQ(l->releases, 2);
  ASSERT_EQ(l->contended, 1);
  ASSERT_EQ(l->wait_total, 16000);
  ASSERT_EQ(l->hold_total, 17000);
  ASSERT_EQ(l->hold_max, 15000);
  ASSERT_EQ(l->holders[0].task, 2);
  ASSERT_EQ(l->holders[0].count, 1);
  /* Flows: the hand-off alice -> bob, and bob's exit waking main. */
  ASSERT_EQ(r.nfl, 2);
  ASSERT_TRUE(r.fl[0].handoff && r.fl[0].from == 2 && r.fl[0].to == 3);
  ASSERT_TRUE(!r.fl[1].handoff && r.fl[1].from == 3 && r.fl[1].to == 1);
  ASSERT_EQ(r.ninst, 3); /* contended, slow step, mark */
  /* Intervals tile each task's life without overlap. */
  uint64_t total = 0;
  for (size_t i = 0; i < r.niv; i++) {
    ASSERT_TRUE(r.iv[i].end > r.iv[i].begin);
    if (r.iv[i].task == 3)
      total += r.iv[i].end - r.iv[i].begin;
  }
  ASSERT_EQ(total, 26000 - 5000);
  ASSERT_STR_EQ(tt_model_object_name(m, PID, 10, NULL), "account");
  tt_model_free(m);
}

/* Lost events: every live task's state becomes unknown from the last event
 * before the loss until the next event about it; never bridged. */
TEST(model_lost_is_a_gap) {
  tt_trace_event ev[16];
  size_t n = 0;
  ev[n++] = S(E(1000, TT_EV_task_create, 1, 0, 0, 0), 2, "a");
  ev[n++] = S(E(1000, TT_EV_task_create, 2, 0, 0, 0), 2, "b");
  ev[n++] = E(2000, TT_EV_task_switch, 0, 1, TT_STATE_start, 0);
  ev[n++] = E(5000, TT_EV_lost, 7, 0, 0, 0);
  ev[n++] = E(6000, TT_EV_task_switch, 1, 2, TT_STATE_yield, 0);
  ev[n++] = E(9000, TT_EV_task_switch, 2, 0, TT_STATE_sleep, 0);
  rec r = {0};
  tt_model_hooks h = {.arg = &r, .interval = rec_iv};
  tt_model *m = load(ev, n, &h);
  const tt_vtask *a = task_named(m, "a"), *b = task_named(m, "b");
  /* a: runnable 1000-2000, running 2000-2000(last event before the loss),
   * gap 2000-6000, runnable 6000-9000 (end). */
  ASSERT_EQ(a->busy, 0);
  ASSERT_EQ(a->gap, 4000);
  ASSERT_EQ(a->runnable, 1000 + 3000);
  /* b: runnable 1000-2000, gap 2000-6000, running 6000-9000. */
  ASSERT_EQ(b->gap, 4000);
  ASSERT_EQ(b->busy, 3000);
  ASSERT_EQ(tt_model_proc(m, 0)->lost, 7);
  int gaps = 0;
  for (size_t i = 0; i < r.niv; i++)
    gaps += r.iv[i].state == TT_VS_GAP;
  ASSERT_EQ(gaps, 2);
  tt_model_free(m);
}

/* A trace that starts mid-run (flight recorder): tasks first seen in a
 * switch get a placeholder name; a cancelled task that never ran ends at
 * its exit; a late object_name renames. */
TEST(model_partial_trace) {
  tt_trace_event ev[8];
  size_t n = 0;
  ev[n++] = E(1000, TT_EV_task_switch, 5, 6, TT_STATE_lock, 9);
  ev[n++] = E(2000, TT_EV_task_exit, 5, TT_EXIT_CANCELLED, (uint64_t)-125, 0);
  ev[n++] = S(E(3000, TT_EV_object_name, 6, TT_KIND_task, 0, 0), 2, "late-name");
  ev[n++] = E(4000, TT_EV_task_switch, 6, 0, TT_STATE_yield, 0);
  tt_model *m = load(ev, n, NULL);
  ASSERT_EQ(tt_model_ntasks(m), 2);
  const tt_vtask *t5 = tt_model_find_task(m, PID, 5);
  ASSERT_STR_EQ(t5->name, "task-5");
  ASSERT_EQ(t5->blocked, 1000);
  ASSERT_EQ(t5->status, TT_EXIT_CANCELLED);
  ASSERT_STR_EQ(tt_model_find_task(m, PID, 6)->name, "late-name");
  ASSERT_EQ(tt_model_find_task(m, PID, 6)->busy, 3000);
  ASSERT_EQ(tt_model_proc(m, 0)->nlive, 1);
  tt_model_free(m);
}

TEST(merge_orders_sources) {
  tt_trace_event a[3] = {E(1, TT_EV_mark, 1, 0, 0, 0), E(5, TT_EV_mark, 1, 0, 0, 0),
                         E(9, TT_EV_mark, 1, 0, 0, 0)};
  tt_trace_event b[3] = {E(2, TT_EV_mark, 2, 0, 0, 0), E(5, TT_EV_mark, 2, 0, 0, 0),
                         E(7, TT_EV_mark, 2, 0, 0, 0)};
  tt_source *s[3];
  ASSERT_OK(tt_source_from_array(a, 3, &s[0]));
  ASSERT_OK(tt_source_from_array(b, 3, &s[1]));
  ASSERT_OK(tt_source_from_array(NULL, 0, &s[2]));
  tt_source *m;
  ASSERT_OK(tt_source_merge(s, 3, &m));
  static const uint64_t want_ts[] = {1, 2, 5, 5, 7, 9}, want_src[] = {1, 2, 1, 2, 2, 1};
  tt_trace_event ev;
  for (int i = 0; i < 6; i++) {
    ASSERT_EQ(tt_source_next(m, &ev, NULL, 0), 1);
    ASSERT_EQ(ev.ts, want_ts[i]);
    ASSERT_EQ(ev.u[0], want_src[i]); /* ties keep input order */
  }
  ASSERT_EQ(tt_source_next(m, &ev, NULL, 0), 0);
  tt_source_close(m);
}

TEST(parse_duration) {
  uint64_t v;
  ASSERT_OK(tt_parse_duration("1200", &v));
  ASSERT_EQ(v, 1200);
  ASSERT_OK(tt_parse_duration("3.5us", &v));
  ASSERT_EQ(v, 3500);
  ASSERT_OK(tt_parse_duration("12ms", &v));
  ASSERT_EQ(v, 12000000);
  ASSERT_OK(tt_parse_duration("2s", &v));
  ASSERT_EQ(v, 2000000000);
  ASSERT_ERR(tt_parse_duration("-1ms", &v), -EINVAL);
  ASSERT_ERR(tt_parse_duration("5 parsecs", &v), -EINVAL);
  ASSERT_ERR(tt_parse_duration("", &v), -EINVAL);
  ASSERT_ERR(tt_parse_duration("1e30s", &v), -EINVAL);
}

static char *capture(void (*fn)(FILE *, const char *), const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  fn(f, s);
  fclose(f);
  return buf;
}

TEST(escaping) {
  char *j = capture(tt_json_escape, "</script><b>\"x\"&\\\n\x01");
  ASSERT_STR_EQ(j, "\\u003c/script\\u003e\\u003cb\\u003e\\\"x\\\"\\u0026\\\\\\u000a\\u0001");
  free(j);
  j = capture(tt_json_escape, "caf\xc3\xa9 \xff\xfe \xe2\x80\xa8");
  ASSERT_STR_EQ(j, "caf\xc3\xa9 \\ufffd\\ufffd \\u2028");
  free(j);
  char *h = capture(tt_html_escape, "<script>a&b\"c'</script>");
  ASSERT_STR_EQ(h, "&lt;script&gt;a&amp;b&quot;c&#39;&lt;/script&gt;");
  free(h);
}

/* ---- Golden outputs ---- */

static void golden(const char *name, const char *got, size_t len) {
  const char *src = getenv("TT_SOURCE_DIR");
  ASSERT_TRUE(src != NULL);
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/viewer/expect/%s", src, name);
  if (getenv("TT_UPDATE_EXPECT")) {
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fwrite(got, 1, len, f);
    fclose(f);
    return;
  }
  FILE *f = fopen(path, "r");
  if (f == NULL)
    tt_test_fail(__FILE__, __LINE__, "%s missing (TT_UPDATE_EXPECT=1 writes it)", path);
  char *want = malloc(1 << 20);
  size_t n = fread(want, 1, (1 << 20) - 1, f);
  want[n] = 0;
  fclose(f);
  if (n != len || memcmp(want, got, len) != 0) {
    fprintf(stderr, "---- expected (%s)\n%s---- got\n%.*s----\n", path, want, (int)len, got);
    tt_test_fail(__FILE__, __LINE__, "%s differs", name);
  }
  free(want);
}

#define RENDER(call)                                                                               \
  ({                                                                                               \
    char *buf_ = NULL;                                                                             \
    size_t len_ = 0;                                                                               \
    FILE *out = open_memstream(&buf_, &len_);                                                      \
    ASSERT_OK(call);                                                                               \
    fclose(out);                                                                                   \
    golden_len = len_;                                                                             \
    buf_;                                                                                          \
  })
static size_t golden_len;

TEST(golden_text_reports) {
  tt_trace_event ev[64];
  size_t n = bank(ev);
  tt_model *m = load(ev, n, NULL);
  char *s = RENDER(tt_render_summary(m, out));
  golden("bank-summary.expect", s, golden_len);
  free(s);
  s = RENDER(tt_render_locks(m, out));
  golden("bank-locks.expect", s, golden_len);
  free(s);
  s = RENDER(tt_render_slow(m, out, 10));
  golden("bank-slow.expect", s, golden_len);
  free(s);
  tt_model_free(m);
}

TEST(golden_timeline) {
  tt_trace_event ev[64];
  size_t n = bank(ev);
  tt_timeline_opts o = {.from = 0, .to = 27000, .width = 54};
  tt_timeline *tl;
  ASSERT_OK(tt_timeline_new(&o, &tl, NULL, 0));
  tt_model_hooks h;
  tt_timeline_hooks(tl, &h);
  tt_model *m = load(ev, n, &h);
  char *s = RENDER(tt_timeline_render(tl, m, out));
  golden("bank-timeline.expect", s, golden_len);
  free(s);
  tt_timeline_free(tl);
  tt_model_free(m);
}

TEST(golden_perfetto) {
  tt_trace_event ev[64];
  size_t n = bank(ev);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  tt_perfetto *p;
  ASSERT_OK(tt_perfetto_begin(out, &p));
  tt_model_hooks h;
  tt_perfetto_hooks(p, &h);
  tt_model *m = load(ev, n, &h);
  ASSERT_OK(tt_perfetto_end(p, m));
  fclose(out);
  golden("bank-perfetto.expect", buf, len);
  free(buf);
  tt_model_free(m);
}

/* Names are data, never markup: nothing from the trace can open a tag or
 * close the <script> element the data lives in. */
TEST(html_escapes_every_name) {
  tt_trace_event ev[8];
  size_t n = 0;
  ev[n++] = S(S(E(1000, TT_EV_task_create, 1, 0, 0, 0), 2, "</script><script>alert(1)</script>"),
              3, "<img src=x onerror=alert(2)>");
  ev[n++] = S(E(1000, TT_EV_object_name, 9, TT_KIND_lock, 0, 0), 2, "<b>lock</b>");
  ev[n++] = E(2000, TT_EV_task_switch, 0, 1, TT_STATE_start, 0);
  ev[n++] = S(E(2500, TT_EV_mark, 1, 0, 0, 0), 1, "<i>mark</i>");
  ev[n++] = E(3000, TT_EV_task_switch, 1, 0, TT_STATE_lock, 9);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  tt_html *ht;
  ASSERT_OK(tt_html_begin(out, "<title>&", &ht));
  tt_model_hooks h;
  tt_html_hooks(ht, &h);
  tt_model *m = load(ev, n, &h);
  ASSERT_OK(tt_html_end(ht, m));
  fclose(out);
  ASSERT_TRUE(strstr(buf, "alert(1)") != NULL);
  ASSERT_TRUE(strstr(buf, "<script>alert") == NULL);
  ASSERT_TRUE(strstr(buf, "</script><script>alert") == NULL);
  ASSERT_TRUE(strstr(buf, "<img") == NULL);
  ASSERT_TRUE(strstr(buf, "<b>lock") == NULL);
  ASSERT_TRUE(strstr(buf, "<i>mark") == NULL);
  ASSERT_TRUE(strstr(buf, "&lt;title&gt;&amp;") != NULL);
  ASSERT_TRUE(strstr(buf, "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)") != NULL);
  /* Exactly the page's own script elements. */
  int scripts = 0;
  for (const char *p = buf; (p = strstr(p, "<script")) != NULL; p++)
    scripts++;
  ASSERT_EQ(scripts, 3);
  free(buf);
  tt_model_free(m);
}

/* ---- .ttrace files ---- */

static void tmpname(char *buf, size_t len, const char *tag) {
  snprintf(buf, len, "%s/%s.ttrace", tt_test_tmpdir(), tag);
}

/* Two threads whose buffers were handed over out of time order come out
 * in one time order. */
TEST(ttrace_threads_merged_in_time_order) {
  char path[256];
  tmpname(path, sizeof path, "threads");
  tt_proc_info pi = {.pid = PID, .program = "test"};
  tt_writer *w;
  ASSERT_OK(tt_writer_open(&w, path, &pi, NULL));
  /* thread 1: ts 1000..1990, then thread 2: 1500..2490 (overlapping). */
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < 100; i++) {
      tt_trace_event e = E(1000 + (uint64_t)t * 500 + (uint64_t)i * 10, TT_EV_mark, 1, 0, 0, 0);
      e.tid = 1 + t;
      e.s[1] = t ? "two" : "one";
      ASSERT_OK(tt_writer_event(w, &e));
    }
  ASSERT_OK(tt_writer_close(w));
  tt_source *src;
  char err[256];
  ASSERT_OK(tt_source_open(path, &src, err, sizeof err));
  tt_trace_event ev;
  uint64_t last = 0, n = 0;
  int r;
  while ((r = tt_source_next(src, &ev, NULL, 0)) > 0) {
    ASSERT_GE(ev.ts, last);
    ASSERT_STR_EQ(ev.s[1], ev.tid == 1 ? "one" : "two");
    last = ev.ts;
    n++;
  }
  ASSERT_EQ(r, 0);
  ASSERT_EQ(n, 200);
  ASSERT_TRUE(tt_source_note(src) == NULL);
  tt_source_close(src);
  unlink(path);
}

/* A file cut short reads to its last whole chunk, and says so. */
TEST(ttrace_truncated_says_so) {
  char path[256];
  tmpname(path, sizeof path, "cut");
  tt_proc_info pi = {.pid = PID, .program = "test"};
  tt_writer *w;
  tt_writer_opts wo = {.level = 1, .chunk_size = 4096};
  ASSERT_OK(tt_writer_open(&w, path, &pi, &wo));
  for (int i = 0; i < 20000; i++) {
    tt_trace_event e = E(1000 + (uint64_t)i * 10, TT_EV_task_switch, (uint64_t)i % 7,
                         (uint64_t)i % 5, TT_STATE_yield, 0);
    ASSERT_OK(tt_writer_event(w, &e));
  }
  ASSERT_OK(tt_writer_close(w));
  FILE *f = fopen(path, "r+");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  ASSERT_OK(truncate(path, size / 2));
  tt_source *src;
  char err[256];
  ASSERT_OK(tt_source_open(path, &src, err, sizeof err));
  tt_model *m;
  ASSERT_OK(tt_model_new(NULL, &m));
  int r = tt_model_load(m, src, path, err, sizeof err);
  ASSERT_TRUE(r == 0 || r == -EBADMSG);
  ASSERT_TRUE(tt_model_events(m) > 1000 && tt_model_events(m) < 20000);
  const char *note = tt_source_note(src);
  ASSERT_TRUE(note != NULL && strstr(note, "cut") != NULL);
  tt_source_close(src);
  tt_model_free(m);
  unlink(path);
}

/* ---- The schema drives every consumer ----
 *
 * Each test below walks the schema's lists (TT_EVENTS, TT_STATES), so an
 * event or a wait reason added there that a consumer does not handle fails
 * here, not in a user's trace. */

TEST(schema_describes_every_event) {
  for (unsigned t = 1; t < TT_EV_MAX; t++) {
    if (tt_ev_describe(t) == NULL && t < TT_EV_statedump_begin) /* ids not used (yet) */
      continue;
    const tt_ev_desc *d = tt_ev_describe(t);
    ASSERT_TRUE(d != NULL);
    ASSERT_EQ(tt_ev_lookup(d->name), t);
    ASSERT_TRUE(d->meaning != NULL && d->meaning[0] != 0);
    if (d->flags & (TT_EVF_BEGIN | TT_EVF_END)) { /* a pair: each end names the other */
      const tt_ev_desc *o = tt_ev_describe(d->pair);
      ASSERT_TRUE(o != NULL);
      ASSERT_EQ(o->pair, t);
      ASSERT_EQ(o->flags & (TT_EVF_BEGIN | TT_EVF_END),
                (d->flags & TT_EVF_BEGIN) ? TT_EVF_END : TT_EVF_BEGIN);
    } else {
      ASSERT_EQ(d->pair, TT_EV_NONE);
    }
    for (int f = 0; f < TT_EVENT_FIELDS; f++) {
      ASSERT_LE(d->etype[f], TT_ENUM_MAX - 1);
      if (d->etype[f] != TT_ENUM_NONE) /* enums are unsigned integers */
        ASSERT_EQ(d->kind[f], TT_FIELD_U64);
    }
  }
  ASSERT_TRUE(tt_ev_describe(TT_EV_MAX) == NULL);
  /* The fields the consumers print by name. */
  ASSERT_EQ(tt_ev_describe(TT_EV_task_switch)->etype[2], TT_ENUM_STATE);
  ASSERT_EQ(tt_ev_describe(TT_EV_object_name)->etype[1], TT_ENUM_KIND);
  ASSERT_EQ(tt_ev_describe(TT_EV_task_exit)->etype[1], TT_ENUM_EXIT);
}

/* The model's table has an entry for every event: a handler, or an explicit
 * "no effect"; and the renderers get exactly the point events and the
 * task-level pairs. */
TEST(model_handles_every_event) {
  for (unsigned t = 1; t < TT_EV_MAX; t++) {
    if (tt_ev_describe(t) == NULL && t < TT_EV_statedump_begin) /* ids not used (yet) */
      continue;
    if (tt__model_handles(t) < 0)
      tt_test_fail(__FILE__, __LINE__, "the model has no entry for %s", tt_ev_describe(t)->name);
    const tt_ev_desc *d = tt_ev_describe(t);
    tt_trace_event ev[2] = {S(S(E(1000, TT_EV_task_create, 1, 0, 0, 0), 2, "t"), 3, "x.c:1"),
                            E(2000, t, 1, 1, 1, 1)};
    for (int f = 0; f < TT_EVENT_FIELDS; f++)
      if (d->kind[f] == TT_FIELD_STR)
        ev[1].s[f] = "s";
    rec r = {0};
    tt_model_hooks h = {.arg = &r, .interval = rec_iv, .flow = rec_fl, .instant = rec_in};
    tt_model *m = load(ev, 2, &h);
    int shown = (d->flags & (TT_EVF_INSTANT | TT_EVF_BEGIN | TT_EVF_END)) && !(d->flags & TT_EVF_LOOP);
    ASSERT_EQ(r.ninst, (size_t)shown);
    tt_model_free(m);
  }
  ASSERT_EQ(tt__model_handles(TT_EV_MAX), -1);
}

/* Every event the renderers receive changes the HTML page and the Perfetto
 * JSON: html.c and perfetto.c draw each one. */
static char *render_html(const tt_trace_event *ev, size_t n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  tt_html *ht;
  ASSERT_OK(tt_html_begin(out, "t", &ht));
  tt_model_hooks h;
  tt_html_hooks(ht, &h);
  tt_model *m = load(ev, n, &h);
  ASSERT_OK(tt_html_end(ht, m));
  fclose(out);
  tt_model_free(m);
  return buf;
}
static char *render_perfetto(const tt_trace_event *ev, size_t n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  tt_perfetto *p;
  ASSERT_OK(tt_perfetto_begin(out, &p));
  tt_model_hooks h;
  tt_perfetto_hooks(p, &h);
  tt_model *m = load(ev, n, &h);
  ASSERT_OK(tt_perfetto_end(p, m));
  fclose(out);
  tt_model_free(m);
  return buf;
}

TEST(renderers_draw_every_shown_event) {
  tt_trace_event base[3] = {S(S(E(1000, TT_EV_task_create, 1, 0, 0, 0), 2, "t"), 3, "x.c:1"),
                            E(2000, TT_EV_task_switch, 0, 1, TT_STATE_start, 0),
                            E(5000, TT_EV_task_switch, 1, 0, TT_STATE_yield, 0)};
  char *h0 = render_html(base, 3), *p0 = render_perfetto(base, 3);
  for (unsigned t = 1; t < TT_EV_MAX; t++) {
    if (tt_ev_describe(t) == NULL && t < TT_EV_statedump_begin) /* ids not used (yet) */
      continue;
    const tt_ev_desc *d = tt_ev_describe(t);
    if (!(d->flags & (TT_EVF_INSTANT | TT_EVF_BEGIN | TT_EVF_END)) || (d->flags & TT_EVF_LOOP))
      continue;
    tt_trace_event ev[4] = {base[0], base[1], E(3000, t, 1, 1, 1, 1), base[2]};
    for (int f = 0; f < TT_EVENT_FIELDS; f++)
      if (d->kind[f] == TT_FIELD_STR)
        ev[2].s[f] = "s";
    char *h1 = render_html(ev, 4), *p1 = render_perfetto(ev, 4);
    if (strcmp(h0, h1) == 0)
      tt_test_fail(__FILE__, __LINE__, "the HTML page does not show %s", d->name);
    if (strcmp(p0, p1) == 0)
      tt_test_fail(__FILE__, __LINE__, "the Perfetto JSON does not show %s", d->name);
    free(h1);
    free(p1);
  }
  free(h0);
  free(p0);
}

/* Task 1 blocked for reason `why` from 2000 to 10000 on object 7 (named
 * "jobs", of the kind the reason waits on). */
static size_t blocked_for(tt_trace_event *ev, unsigned why) {
  size_t n = 0;
  int on = tt_state_on(why);
  ev[n++] = S(E(0, TT_EV_object_name, 7, on < 0 ? TT_KIND_queue : (unsigned)on, 0, 0), 2, "jobs");
  ev[n++] = S(S(E(1000, TT_EV_task_create, 1, 0, 0, 0), 2, "t"), 3, "x.c:1");
  ev[n++] = E(1000, TT_EV_task_switch, 0, 1, TT_STATE_start, 0);
  ev[n++] = E(2000, TT_EV_task_switch, 1, 0, why, 7);
  ev[n++] = E(10000, TT_EV_task_wake, 1, 0, 7, 0);
  ev[n++] = E(11000, TT_EV_task_switch, 0, 1, TT_STATE_start, 0);
  ev[n++] = E(12000, TT_EV_task_exit, 1, TT_EXIT_OK, 0, 0);
  ev[n++] = E(12000, TT_EV_task_switch, 1, 0, TT_STATE_done, 0);
  return n;
}

static char *timeline_of(const tt_trace_event *ev, size_t n) {
  tt_timeline_opts o = {.from = 0, .to = 12000, .width = 12};
  tt_timeline *tl;
  ASSERT_OK(tt_timeline_new(&o, &tl, NULL, 0));
  tt_model_hooks h;
  tt_timeline_hooks(tl, &h);
  tt_model *m = load(ev, n, &h);
  char *s = RENDER(tt_timeline_render(tl, m, out));
  tt_timeline_free(tl);
  tt_model_free(m);
  return s;
}

/* Every reason a task parks for has its own letter, drawn when a task is
 * blocked for it and explained in the legend (and in the usage text, which
 * prints the same list). */
TEST(timeline_letter_per_state) {
  char seen[256] = {0};
  for (unsigned s = 0; s < TT_STATE_MAX; s++) {
    char c = tt_state_letter(s);
    if (tt_state_on(s) >= 0 || s == TT_STATE_sleep) /* a wait: it must have a letter */
      ASSERT_NE(c, 0);
    if (c == 0)
      continue;
    if (strchr("#-?_. |", c) != NULL || seen[(unsigned char)c])
      tt_test_fail(__FILE__, __LINE__, "state %s: letter '%c' is taken", tt_state_name(s), c);
    seen[(unsigned char)c] = 1;
    tt_trace_event ev[16];
    size_t n = blocked_for(ev, s);
    char *out = timeline_of(ev, n), want[64], name[32];
    snprintf(want, sizeof want, "%c%c%c%c%c", c, c, c, c, c);
    if (strstr(out, want) == NULL)
      tt_test_fail(__FILE__, __LINE__, "a task blocked for %s is not drawn '%c':\n%s",
                   tt_state_name(s), c, out);
    snprintf(name, sizeof name, "%s", tt_state_name(s));
    for (char *q = name; *q; q++)
      *q = *q == '_' ? ' ' : *q;
    snprintf(want, sizeof want, " %c %s  ", c, name);
    ASSERT_CONTAINS(out, want);
    free(out);
  }
}

/* The drift issue 9 found: a task in tt_queue_join was drawn as "other". */
TEST(timeline_queue_join_has_its_letter) {
  tt_trace_event ev[16];
  size_t n = blocked_for(ev, TT_STATE_queue_join);
  char *out = timeline_of(ev, n);
  ASSERT_CONTAINS(out, "| #JJJJJJJJ-#|");
  ASSERT_CONTAINS(out, "J queue join");
  free(out);
}

/* The page's table of reasons has every state, in value order, with the
 * schema's name and colour, and the legend shows each reason's colour;
 * Perfetto names and colours blocked slices the same way. */
TEST(html_and_perfetto_states_from_schema) {
  tt_trace_event ev[16];
  size_t n = blocked_for(ev, TT_STATE_queue_join);
  char *page = render_html(ev, n);
  const char *p = strstr(page, "\"states\":[");
  ASSERT_TRUE(p != NULL);
  for (unsigned s = 0; s < TT_STATE_MAX; s++) {
    char want[128];
    snprintf(want, sizeof want, "{\"name\":\"%s\",\"colour\":\"%s\",", tt_state_name(s),
             tt_state_colour(s));
    const char *q = strstr(p, want);
    if (q == NULL)
      tt_test_fail(__FILE__, __LINE__, "state %s missing from the page's table", tt_state_name(s));
    p = q + 1;
    snprintf(want, sizeof want, "<i style=\"background:%s\"></i>", tt_state_colour(s));
    if (tt_state_letter(s) != 0)
      ASSERT_CONTAINS(page, want);
  }
  ASSERT_TRUE(strstr(p, "}],") != NULL && strstr(p, "{\"name\"") > strstr(p, "}],"));
  free(page);
  for (unsigned s = 0; s < TT_STATE_MAX; s++) {
    if (tt_state_letter(s) == 0)
      continue;
    n = blocked_for(ev, s);
    char *json = render_perfetto(ev, n), want[128];
    snprintf(want, sizeof want, "\"cat\":\"blocked\",\"name\":\"%s\",\"cname\":\"%s\",\"args\":{\"on\":\"%s jobs\"}",
             tt_state_name(s), tt_state_cname(s), tt_kind_name((unsigned)tt_state_on(s) < TT_KIND_MAX ? (unsigned)tt_state_on(s) : TT_KIND_queue));
    ASSERT_CONTAINS(json, want);
    free(json);
  }
}

/* `tasktrace dump` prints every enum-typed field (any event, any value the
 * schema names) by its name. */
TEST(dump_prints_enum_names) {
  char path[256];
  tmpname(path, sizeof path, "enums");
  tt_proc_info pi = {.pid = PID, .program = "test"};
  tt_writer *w;
  ASSERT_OK(tt_writer_open(&w, path, &pi, NULL));
  int nenum = 0;
  uint64_t ts = 1000;
  for (unsigned t = 1; t < TT_EV_MAX; t++) {
    if (tt_ev_describe(t) == NULL && t < TT_EV_statedump_begin) /* ids not used (yet) */
      continue;
    const tt_ev_desc *d = tt_ev_describe(t);
    for (int f = 0; f < TT_EVENT_FIELDS; f++)
      for (unsigned v = 0; d->etype[f] != TT_ENUM_NONE && v < tt_enum_count(d->etype[f]); v++) {
        tt_trace_event e = E(ts++, t, 1, 1, 1, 1);
        for (int g = 0; g < TT_EVENT_FIELDS; g++)
          if (d->kind[g] == TT_FIELD_STR)
            e.s[g] = "s";
        e.u[f] = v;
        ASSERT_OK(tt_writer_event(w, &e));
        nenum++;
      }
  }
  ASSERT_OK(tt_writer_close(w));
  ASSERT_GE(nenum, TT_STATE_MAX + TT_KIND_MAX + TT_EXIT_MAX);
  char *argv[] = {(char *)tt_test_bin("tasktrace"), "dump", path, NULL}, *out;
  ASSERT_EQ(tt_test_spawn(argv, NULL, &out, 30), 0);
  for (unsigned t = 1; t < TT_EV_MAX; t++) {
    if (tt_ev_describe(t) == NULL && t < TT_EV_statedump_begin) /* ids not used (yet) */
      continue;
    const tt_ev_desc *d = tt_ev_describe(t);
    for (int f = 0; f < TT_EVENT_FIELDS; f++)
      for (unsigned v = 0; d->etype[f] != TT_ENUM_NONE && v < tt_enum_count(d->etype[f]); v++) {
        /* The whole payload: the other fields are 1 or "s" (one enum per event). */
        char want[256];
        int k = snprintf(want, sizeof want, " %s: {", d->name);
        for (int g = 0; g < d->nfields; g++)
          k += snprintf(want + k, sizeof want - (size_t)k, "%s %s = %s", g ? "," : "", d->field[g],
                        g == f ? tt_enum_value_name(d->etype[f], v)
                        : d->kind[g] == TT_FIELD_STR ? "\"s\"" : "1");
        snprintf(want + k, sizeof want - (size_t)k, " }\n");
        int found = strstr(out, want) != NULL;
        if (!found)
          tt_test_fail(__FILE__, __LINE__, "dump does not print %s.%s = %s:\n%.2000s", d->name,
                       d->field[f], tt_enum_value_name(d->etype[f], v), out);
      }
  }
  free(out);
}
