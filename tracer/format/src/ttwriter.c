/* The .ttrace writer: messages into a raw chunk, deflate, checksum, append.
 * Every chunk is written whole with one write(2), so that a collector
 * killed at any moment leaves a file that reads back to its last chunk.
 * In flight-recorder mode compressed chunks go to a memory ring instead and
 * the file is written at close. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#if TT_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "tasktrace/wire.h"
#include "tt_base.h"
#include "tasktrace/ingest.h"

/* Level 1 by measurement (README, "The collector"): on recordings of the
 * switch and lock_counter benches, level 1 ingests 45M / 26M events/s on one
 * core at 0.60 / 1.68 bytes an event; level 3 drops to 26M / 19M, level 6 to
 * 9M / 10M for 20-35% fewer bytes. Only level 1 keeps the collector well
 * above the 20M events/s it must sustain. */
#define TT__DEFAULT_LEVEL 1
#define TT__DEFAULT_CHUNK (64u << 10)

typedef struct ring_chunk {
  struct ring_chunk *next;
  size_t len;
  uint32_t kind, nevents;
  uint64_t first_ts, last_ts;
  uint8_t data[]; /* header + payload */
} ring_chunk;

struct tt_writer {
  int fd;
  int err;                 /* first write error */
  uint64_t off;            /* bytes in the file */
  tt_proc_info proc;
  tt_writer_opts opts;
#if TT_LIBDEFLATE
  struct libdeflate_compressor *ld; /* whole-chunk deflate: see emit_chunk */
#else
  z_stream z;
#endif
  uint8_t *raw;            /* the chunk being filled */
  size_t raw_len, raw_cap;
  uint8_t *zbuf;
  size_t zcap;
  uint32_t c_events;       /* this chunk's events, first and last ts */
  uint64_t c_first, c_last;
  /* the message tt_writer_event is filling */
  int msg_open;
  size_t msg_start;
  uint32_t msg_pid, msg_tid;
  tt__dstate enc;
  /* strings: content -> id for tt_writer_event, id -> "s" for strings chunks */
  tt__strmap by_content;
  tt__idmap by_id;
  uint64_t next_id;
  uint64_t str_bytes;      /* memory held by by_id's strings (tt__writer_string_bytes) */
  tt__index_ent *idx;
  size_t nidx, idx_cap;
  uint64_t events, lost, chunks;
  ring_chunk *ring_head, *ring_tail;
  size_t ring_bytes;
};

static void put_err(tt_writer *w, int err) {
  if (w->err == 0)
    w->err = err;
}

static int write_all(tt_writer *w, const void *buf, size_t len) {
  const uint8_t *p = buf;
  while (len > 0 && w->err == 0) {
    ssize_t n = write(w->fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      put_err(w, -errno);
    } else if (n == 0) {
      put_err(w, -EIO);
    } else {
      p += n, len -= (size_t)n, w->off += (uint64_t)n;
    }
  }
  return w->err;
}

static int raw_reserve(tt_writer *w, size_t more) {
  if (w->raw_len + more <= w->raw_cap)
    return 0;
  return tt_grow(&w->raw, &w->raw_cap, w->raw_len + more, 1, 4096);
}

static int add_index(tt_writer *w, uint64_t off, uint32_t kind, uint32_t nev, uint64_t first,
                     uint64_t last) {
  int r = tt_grow(&w->idx, &w->idx_cap, w->nidx + 1, sizeof *w->idx, 64);
  if (r < 0)
    return r;
  w->idx[w->nidx++] = (tt__index_ent){off, first, last, nev, kind};
  return 0;
}

/* Chunks are deflated whole (raw DEFLATE, no zlib wrapper) with libdeflate
 * where it was found at build time, else zlib: the reader inflates both
 * with zlib. libdeflate by measurement (README, "The collector"): 1.5x the
 * ingest rate of zlib at level 1 on the switch and lock_counter recordings,
 * and a few percent fewer bytes. */
static int compressor_init(tt_writer *w, int level) {
#if TT_LIBDEFLATE
  w->ld = libdeflate_alloc_compressor(level);
  return w->ld != NULL ? 0 : -ENOMEM;
#else
  return deflateInit2(&w->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -ENOMEM;
#endif
}

static void compressor_end(tt_writer *w) {
#if TT_LIBDEFLATE
  libdeflate_free_compressor(w->ld);
#else
  deflateEnd(&w->z);
#endif
}

static void chunk_header(uint8_t *h, uint32_t kind, uint32_t stored, uint32_t raw, uint32_t nev,
                         uint64_t first, uint64_t last, uint32_t payload_crc) {
  tt__chunk_hdr c = {kind, stored, raw, nev, first, last, payload_crc};
  tt__chunk_hdr_encode(h, &c);
}

/* Deflate raw[0..len) and emit it as a chunk of `kind` (to the file, or to
 * the ring in flight-recorder mode). */
static int emit_chunk(tt_writer *w, uint32_t kind, const uint8_t *raw, size_t len, uint32_t nev,
                      uint64_t first, uint64_t last) {
#if TT_LIBDEFLATE
  size_t bound = libdeflate_deflate_compress_bound(w->ld, len) + TT__CHUNK_HDR;
  if (bound > w->zcap && tt_grow(&w->zbuf, &w->zcap, bound, 1, bound) < 0)
    return -ENOMEM;
  uint32_t stored = (uint32_t)libdeflate_deflate_compress(w->ld, raw, len, w->zbuf + TT__CHUNK_HDR,
                                                          w->zcap - TT__CHUNK_HDR);
  if (stored == 0)
    return -EIO;
#else
  size_t bound = deflateBound(&w->z, len) + TT__CHUNK_HDR;
  if (bound > w->zcap && tt_grow(&w->zbuf, &w->zcap, bound, 1, bound) < 0)
    return -ENOMEM;
  deflateReset(&w->z);
  w->z.next_in = (Bytef *)raw;
  w->z.avail_in = (uInt)len;
  w->z.next_out = w->zbuf + TT__CHUNK_HDR;
  w->z.avail_out = (uInt)(w->zcap - TT__CHUNK_HDR);
  if (deflate(&w->z, Z_FINISH) != Z_STREAM_END)
    return -EIO;
  uint32_t stored = (uint32_t)w->z.total_out;
#endif
  chunk_header(w->zbuf, kind, stored, (uint32_t)len, nev, first, last,
               tt__crc32(w->zbuf + TT__CHUNK_HDR, stored));
  size_t total = TT__CHUNK_HDR + stored;
  w->chunks++;
  if (w->opts.ring_bytes == 0 || kind != TT__CHUNK_EVENTS) {
    /* Strings chunks are indexed too: a seeking reader loads them first. */
    if (kind == TT__CHUNK_STRINGS || (w->opts.ring_bytes == 0 && kind == TT__CHUNK_EVENTS)) {
      int r = add_index(w, w->off, kind, nev, first, last);
      if (r < 0)
        return r;
    }
    return write_all(w, w->zbuf, total);
  }
  ring_chunk *c = malloc(sizeof *c + total);
  if (c == NULL)
    return -ENOMEM;
  *c = (ring_chunk){NULL, total, kind, nev, first, last};
  memcpy(c->data, w->zbuf, total);
  if (w->ring_tail)
    w->ring_tail->next = c;
  else
    w->ring_head = c;
  w->ring_tail = c;
  w->ring_bytes += total;
  /* Keep the newest chunk even when it alone is over the budget. */
  while (w->ring_bytes > w->opts.ring_bytes && w->ring_head != w->ring_tail) {
    ring_chunk *old = w->ring_head;
    w->ring_head = old->next;
    w->ring_bytes -= old->len;
    free(old);
  }
  return 0;
}

static void close_msg(tt_writer *w) {
  if (!w->msg_open)
    return;
  tt__msg_set_len(w->raw + w->msg_start, (uint32_t)(w->raw_len - w->msg_start - 4));
  w->msg_open = 0;
}

int tt_writer_flush(tt_writer *w) {
  close_msg(w);
  if (w->raw_len > 0) {
    int r = emit_chunk(w, TT__CHUNK_EVENTS, w->raw, w->raw_len, w->c_events, w->c_first,
                       w->c_last);
    if (r < 0)
      put_err(w, r);
    w->raw_len = 0;
    w->c_events = 0;
  }
  return w->err;
}

static void note_events(tt_writer *w, uint32_t n, uint64_t first, uint64_t last) {
  if (n == 0)
    return;
  if (w->c_events == 0 || first < w->c_first)
    w->c_first = first;
  if (w->c_events == 0 || last > w->c_last)
    w->c_last = last;
  w->c_events += n;
  w->events += n;
}

int tt_writer_open(tt_writer **out, const char *path, const tt_proc_info *proc,
                   const tt_writer_opts *opts) {
  int fd = tt_open_private(path); /* no link, FIFO, device, nor another's file */
  if (fd < 0)
    return fd;
  return tt__writer_open_fd(out, fd, proc, opts);
}

int tt__writer_open_fd(tt_writer **out, int fd, const tt_proc_info *proc,
                       const tt_writer_opts *opts) {
  tt_writer_opts o = {-1, 0, 0};
  if (opts)
    o = *opts;
  if (o.level == -1)
    o.level = TT__DEFAULT_LEVEL;
  if (o.chunk_size == 0)
    o.chunk_size = TT__DEFAULT_CHUNK;
  if (o.level < 0 || o.level > 9 || o.chunk_size < 1024 || o.chunk_size > TT__CHUNK_RAW_MAX / 2) {
    close(fd);
    return -EINVAL;
  }
  tt_writer *w = calloc(1, sizeof *w);
  if (w == NULL) {
    close(fd);
    return -ENOMEM;
  }
  w->fd = fd;
  w->proc = *proc;
  w->proc.program[sizeof w->proc.program - 1] = 0;
  w->opts = o;
  if (compressor_init(w, o.level) < 0) {
    close(fd);
    free(w);
    return -ENOMEM;
  }
  uint8_t h[TT__FILE_HDR];
  tt__file_hdr fh = {w->proc, TT__CLOCK_MONOTONIC, o.ring_bytes ? TT__FILE_FLIGHT_RECORDER : 0};
  tt__file_hdr_encode(h, &fh);
  int r = write_all(w, h, sizeof h);
  if (r < 0) {
    close(w->fd);
    compressor_end(w);
    free(w);
    return r;
  }
  *out = w;
  return 0;
}

static int remember(tt_writer *w, uint64_t id, const char *s, size_t len) {
  char *copy = malloc(len + 1 + sizeof(size_t));
  if (copy == NULL)
    return -ENOMEM;
  memcpy(copy, &len, sizeof len);
  memcpy(copy + sizeof len, s, len);
  copy[sizeof len + len] = 0;
  void *old;
  int r = tt__idmap_put(&w->by_id, id, copy, &old);
  if (r < 0) {
    free(copy);
    return r;
  }
  /* Each string costs its copy, its length word and about a malloc header. */
  w->str_bytes += len + 1 + sizeof(size_t) + 16;
  if (old) {
    size_t olen;
    memcpy(&olen, old, sizeof olen);
    w->str_bytes -= olen + 1 + sizeof(size_t) + 16;
  }
  free(old);
  return 0;
}

int tt__writer_strdef(tt_writer *w, uint64_t id, const char *s, size_t len) {
  return remember(w, id, s, len);
}

static int open_msg(tt_writer *w, uint32_t pid, uint32_t tid, uint64_t ts) {
  if (w->msg_open && w->msg_pid == pid && w->msg_tid == tid)
    return 0;
  close_msg(w);
  if (raw_reserve(w, TT__FILE_MSG_HDR) < 0)
    return -ENOMEM;
  w->msg_start = w->raw_len;
  /* The length word is set when the message closes. */
  tt__file_msg_hdr_encode(w->raw + w->raw_len, &(tt__msg_hdr){0, pid, tid, ts});
  w->raw_len += TT__FILE_MSG_HDR;
  w->msg_open = 1;
  w->msg_pid = pid;
  w->msg_tid = tid;
  tt__dstate_reset(&w->enc, ts);
  return 0;
}

int tt_writer_event(tt_writer *w, const tt_trace_event *ev) {
  if (ev->type == TT_EV_NONE || ev->type >= TT_EV_MAX)
    return -EINVAL;
  if (w->raw_len >= w->opts.chunk_size) {
    int r = tt_writer_flush(w);
    if (r < 0)
      return r;
  }
  int r = open_msg(w, ev->pid, ev->tid, ev->ts);
  if (r < 0)
    return r;
  uint64_t u[TT_EVENT_FIELDS];
  for (int i = 0; i < TT_EVENT_FIELDS; i++) {
    u[i] = ev->u[i];
    if (tt__kinds[ev->type][i] != TT_FIELD_STR)
      continue;
    const char *s = ev->s[i] ? ev->s[i] : "";
    size_t len = strnlen(s, TT__STR_MAX);
    uint64_t h = tt__strhash(s, len);
    int64_t id = tt__strmap_get(&w->by_content, s, len, h);
    if (id < 0) {
      id = (int64_t)w->next_id++;
      if ((r = tt__strmap_put(&w->by_content, s, len, h, (uint64_t)id)) < 0 ||
          (r = remember(w, (uint64_t)id, s, len)) < 0 ||
          (r = raw_reserve(w, 1 + 20 + len)) < 0)
        return r;
      w->raw_len = (size_t)(tt__enc_strdef(w->raw + w->raw_len, (uint64_t)id, s, len) - w->raw);
    }
    u[i] = (uint64_t)id;
  }
  if ((r = raw_reserve(w, TT__REC_MAX)) < 0)
    return r;
  uint64_t ts = ev->ts < w->enc.ts ? w->enc.ts : ev->ts;
  w->raw_len = (size_t)(tt__enc_event(w->raw + w->raw_len, &w->enc, ev->type, ts, u) - w->raw);
  note_events(w, 1, ts, ts);
  if (ev->type == TT_EV_lost)
    w->lost += ev->u[0];
  return w->err;
}

int tt__writer_message(tt_writer *w, uint32_t pid, const uint8_t *msg, size_t len,
                       uint32_t nevents, uint64_t first_ts, uint64_t last_ts, uint64_t lost) {
  close_msg(w);
  tt__msg_hdr h;
  int r = tt__wire_hdr_decode(msg, len, &h);
  if (r < 0)
    return r; /* the caller validated it: cannot happen */
  size_t recs = len - TT__WIRE_HDR;
  if ((r = raw_reserve(w, TT__FILE_MSG_HDR + recs)) < 0)
    return r;
  /* The file's message is the stream's with the pid added. */
  h.len = (uint32_t)(TT__FILE_MSG_HDR - 4 + recs);
  h.pid = pid;
  tt__file_msg_hdr_encode(w->raw + w->raw_len, &h);
  memcpy(w->raw + w->raw_len + TT__FILE_MSG_HDR, msg + TT__WIRE_HDR, recs);
  w->raw_len += TT__FILE_MSG_HDR + recs;
  note_events(w, nevents, first_ts, last_ts);
  w->lost += lost;
  if (w->raw_len >= w->opts.chunk_size)
    return tt_writer_flush(w);
  return w->err;
}

/* All known strings as strings chunks (one message per chunk_size). */
static int write_strings(tt_writer *w, const tt__idmap *m) {
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  int r = 0;
  uint64_t id = 0;
  void *val = NULL;
  for (size_t pos = 0; r == 0;) {
    int last = !tt__idmap_next(m, &pos, &id, &val);
    if (last || len >= w->opts.chunk_size) {
      if (len > TT__FILE_MSG_HDR) {
        tt__file_msg_hdr_encode(buf, &(tt__msg_hdr){(uint32_t)(len - 4), w->proc.pid, 0, 0});
        r = emit_chunk(w, TT__CHUNK_STRINGS, buf, len, 0, 0, 0);
      }
      len = 0;
      if (last)
        break;
    }
    const char *v = val;
    size_t slen;
    memcpy(&slen, v, sizeof slen);
    if ((r = tt_grow(&buf, &cap, len + 21 + slen + TT__FILE_MSG_HDR, 1, 4096)) < 0)
      break;
    if (len == 0)
      len = TT__FILE_MSG_HDR; /* the header is written when the message is done */
    len = (size_t)(tt__enc_strdef(buf + len, id, v + sizeof slen, slen) - buf);
  }
  free(buf);
  return r;
}

int tt__writer_copy_strings(tt_writer *dst, const tt_writer *src) {
  uint64_t id;
  void *val;
  for (size_t pos = 0; tt__idmap_next(&src->by_id, &pos, &id, &val);) {
    const char *v = val;
    size_t slen;
    memcpy(&slen, v, sizeof slen);
    int r = remember(dst, id, v + sizeof slen, slen);
    if (r < 0)
      return r;
  }
  int r = write_strings(dst, &dst->by_id);
  return r < 0 ? r : dst->err;
}

uint64_t tt__writer_events(const tt_writer *w) { return w->events; }
uint64_t tt__writer_string_bytes(const tt_writer *w) { return w->str_bytes; }
int tt__writer_error(const tt_writer *w) { return w->err; }

int tt_writer_close(tt_writer *w) { return tt__writer_close(w, NULL); }

int tt__writer_close(tt_writer *w, uint64_t *file_events) {
  tt_writer_flush(w);
  int r;
  /* Strings first, so that a reader seeking through the index finds them
   * all in one place (and a flight-recorder file has the definitions its
   * oldest chunks carried). */
  if ((r = write_strings(w, &w->by_id)) < 0)
    put_err(w, r);
  for (ring_chunk *c = w->ring_head; c; c = c->next) {
    if ((r = add_index(w, w->off, c->kind, c->nevents, c->first_ts, c->last_ts)) < 0)
      put_err(w, r);
    write_all(w, c->data, c->len);
  }
  /* A flight-recorder file holds only the chunks its ring kept: count
   * those, so that the end chunk and the caller's totals say what the file
   * really holds. */
  uint64_t in_file = w->events;
  if (w->opts.ring_bytes) {
    in_file = 0;
    for (ring_chunk *c = w->ring_head; c; c = c->next)
      in_file += c->nevents;
  }
  if (file_events)
    *file_events = in_file;
  uint64_t idx_off = w->off;
  size_t ilen = w->nidx * TT__INDEX_ENTRY;
  uint8_t *ib = calloc(1, TT__CHUNK_HDR + ilen + TT__CHUNK_HDR + TT__END_PAYLOAD);
  if (ib == NULL) {
    put_err(w, -ENOMEM);
  } else {
    uint8_t *p = ib + TT__CHUNK_HDR;
    for (size_t i = 0; i < w->nidx; i++, p += TT__INDEX_ENTRY)
      tt__index_ent_encode(p, &w->idx[i]);
    chunk_header(ib, TT__CHUNK_INDEX, (uint32_t)ilen, (uint32_t)ilen, (uint32_t)w->nidx, 0, 0,
                 tt__crc32(ib + TT__CHUNK_HDR, ilen));
    uint8_t *e = p;
    uint8_t *ep = e + TT__CHUNK_HDR;
    tt__end_encode(ep, &(tt__end){idx_off, in_file, w->lost, w->chunks});
    chunk_header(e, TT__CHUNK_END, TT__END_PAYLOAD, TT__END_PAYLOAD, 0, 0, 0,
                 tt__crc32(ep, TT__END_PAYLOAD));
    write_all(w, ib, (size_t)(ep + TT__END_PAYLOAD - ib));
    free(ib);
  }
  if (close(w->fd) < 0)
    put_err(w, -errno);
  r = w->err;
  while (w->ring_head) {
    ring_chunk *c = w->ring_head;
    w->ring_head = c->next;
    free(c);
  }
  compressor_end(w);
  tt__strmap_clear(&w->by_content);
  tt__idmap_free(&w->by_id, free);
  free(w->idx);
  free(w->raw);
  free(w->zbuf);
  free(w);
  return r;
}

/* Validation is the collector's per-event cost beside deflate: it must
 * prove every record well formed (the file's reader and the counts in the
 * chunk headers rely on it) without decoding what it does not use. Events
 * with no string field, the bulk of a stream, are skipped by a scan of
 * eight bytes at once: their varints end at the bytes whose top bit is
 * clear, and only the timestamp delta is decoded (for first/last ts).
 * Everything else (string definitions, events with string fields, `lost`,
 * a record near the message's end, a varint longer than the window, a bad
 * tag) goes through tt__rec_next, which says exactly what is wrong.
 * tests/collector/test_ttrace.c compares the two on mangled messages. */
#define TT__NV_SLOW 0xff
#define TT__NF(k) (TT_FIELD_##k != TT_FIELD_NONE)
#define TT__IS(k) (TT_FIELD_##k == TT_FIELD_STR)
#define TT__NVROW(id, nm, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                      \
  [id] = (TT__IS(k0) | TT__IS(k1) | TT__IS(k2) | TT__IS(k3)) || id == TT_EV_lost                  \
             ? TT__NV_SLOW                                                                         \
             : 1 + TT__NF(k0) + TT__NF(k1) + TT__NF(k2) + TT__NF(k3),
/* Varints in a record (timestamp + fields), or TT__NV_SLOW; 0: no such event. */
static const uint8_t nvarints[TT__TAG_STRDEF + 1] = {TT_EVENTS(TT__NVROW)[TT__TAG_STRDEF] =
                                                          TT__NV_SLOW};

int tt__validate_message(const uint8_t *msg, size_t len, tt__idmap *defined, tt_writer *w,
                         uint32_t *nevents, uint64_t *first_ts, uint64_t *last_ts,
                         uint64_t *lost, const char **why) {
  tt__msg_hdr h;
  int r = tt__wire_hdr_decode(msg, len, &h);
  if (r < 0 || h.len + 4 != len) {
    *why = len < TT__WIRE_HDR ? "message shorter than its header" : "bad message length";
    return -EBADMSG;
  }
  tt__dstate d;
  d.ts = h.base_ts; /* prev[] is tt__rec_next's business only: its values are not checked */
  memset(d.prev, 0, sizeof d.prev);
  const uint8_t *p = msg + TT__WIRE_HDR, *end = msg + len;
  tt__rec rec;
  uint32_t n = 0;
  uint64_t nlost = 0, first = 0, ts = h.base_ts;
  for (;;) {
    unsigned tag = p < end ? *p : 0;
    unsigned nv = tag <= TT__TAG_STRDEF ? nvarints[tag] : 0;
    if (nv != 0 && nv != TT__NV_SLOW && end - p >= 9) {
      uint64_t x;
      memcpy(&x, p + 1, 8);
      uint64_t m = ~x & 0x8080808080808080ull; /* the last byte of each varint */
      uint64_t last = m;
      for (unsigned i = 1; i < nv; i++)
        last &= last - 1; /* the record's last byte, if the window holds it */
      if (last != 0) {
        unsigned k = (unsigned)__builtin_ctzll(m) >> 3; /* the delta's last byte */
        uint64_t dt = x & 0x7f;
        for (unsigned j = 1; j <= k; j++)
          dt |= ((x >> (8 * j)) & 0x7f) << (7 * j);
        p += 2 + ((unsigned)__builtin_ctzll(last) >> 3);
        ts += dt;
        if (n++ == 0)
          first = ts;
        continue;
      }
    }
    if (p >= end)
      break;
    d.ts = ts;
    if ((r = tt__rec_next(&d, &p, end, &rec, why)) < 0)
      return r;
    ts = d.ts;
    if (rec.tag == TT__TAG_STRDEF) {
      /* The id maps cannot hold 2^64-1 (it is their empty-slot key): a
       * protocol error, not the "out of memory" it used to be told as. */
      if (rec.str_id == UINT64_MAX) {
        *why = "string id 18446744073709551615 (2^64-1) is reserved";
        return -EBADMSG;
      }
      if ((r = tt__idmap_put(defined, rec.str_id, NULL, NULL)) < 0 ||
          (w && (r = tt__writer_strdef(w, rec.str_id, rec.str, rec.str_len)) < 0)) {
        *why = "out of memory";
        return r;
      }
      continue;
    }
    for (int i = 0; i < TT_EVENT_FIELDS; i++) {
      int found;
      if (tt__kinds[rec.tag][i] == TT_FIELD_STR &&
          (tt__idmap_get(defined, rec.u[i], &found), !found)) {
        *why = "string used before its definition";
        return -EBADMSG;
      }
    }
    if (n++ == 0)
      first = rec.ts;
    if (rec.tag == TT_EV_lost)
      nlost += rec.u[0];
  }
  *nevents = n;
  *first_ts = first;
  *last_ts = ts;
  *lost = nlost;
  return 0;
}
