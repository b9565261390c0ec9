/* Private: the record encoding shared by the producer stream, the collector
 * and .ttrace files (tracer/format/FORMAT.md, "Records"), and their framing. */
#ifndef TT_TRACER_CODEC_H
#define TT_TRACER_CODEC_H

#include <stdint.h>
#include <string.h>

#include "tasktrace/ttrace.h"
#include "tt_base.h"

/* ---- Framing constants (FORMAT.md) ---- */
#define TT__STREAM_MAGIC "TTSTRM\x00\x01" /* 8 bytes, first thing on the socket */
#define TT__STREAM_VERSION 1
#define TT__HELLO_SIZE 100               /* magic..program, fixed */
#define TT__WIRE_HDR 16                  /* u32 len, u32 tid, u64 base_ts */
#define TT__FILE_MSG_HDR 20              /* u32 len, u32 pid, u32 tid, u64 base_ts */
#define TT__MSG_MAX (1u << 20)           /* largest message body accepted */
/* The producer's buffers (FORMAT.md, "Producer behaviour"): each thread
 * fills one of TT__STREAM_BUF bytes, a pool of TT__STREAM_NBUF is shared, so
 * at most that many of a process's messages are in flight at once. A
 * reader that restores time order across threads sizes its window by it. */
#define TT__STREAM_BUF (32u << 10)
#define TT__STREAM_NBUF 64

#define TT__FILE_MAGIC "\x89TTRACE\n"    /* 8 bytes */
#define TT__FILE_VERSION 1
#define TT__FILE_HDR 104
#define TT__CHUNK_MAGIC 0x4b435454u      /* "TTCK" little-endian */
#define TT__CHUNK_HDR 48
#define TT__CHUNK_EVENTS 1
#define TT__CHUNK_STRINGS 2
#define TT__CHUNK_INDEX 3
#define TT__CHUNK_END 4
#define TT__CHUNK_RAW_MAX (16u << 20) /* the reader refuses bigger chunks */
#define TT__END_PAYLOAD 32
#define TT__INDEX_ENTRY 32

/* Record tags: 1..TT_EV_MAX-1 are events; this one defines a string. */
#define TT__TAG_STRDEF 0x40
_Static_assert(TT_EV_MAX <= TT__TAG_STRDEF, "event ids must stay below the codec's tag space");
#define TT__STR_MAX 4096 /* longer strings are cut to this on the producer */

/* ---- Little-endian fixed-width helpers ---- */
static inline void tt__put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void tt__put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t tt__get32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline uint64_t tt__get64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tasktrace's formats are little-endian; add byte swaps for this target"
#endif

/* ---- Fixed-layout headers (FORMAT.md): one struct, one encoder, one decoder ----
 *
 * Encoders write exactly the header's size and cannot fail. Decoders read
 * from a buffer of len bytes and return 0, or -ENODATA when len is shorter
 * than the header (or than the message it announces), -EPROTO when the
 * magic or version says it is not ours, -EBADMSG when a checksum or a
 * length field is wrong. */

/* Whether a stream message length word (bytes after it) is acceptable. */
static inline int tt__msg_len_ok(uint32_t len) {
  return len >= TT__WIRE_HDR - 4 && len <= TT__MSG_MAX;
}

/* The stream hello: who is producing. *why gets a static reason on failure. */
void tt__hello_encode(uint8_t h[TT__HELLO_SIZE], const tt_proc_info *proc);
int tt__hello_decode(const uint8_t *h, size_t len, tt_proc_info *proc, const char **why);

/* A message header: TT__WIRE_HDR bytes on the stream (no pid), TT__FILE_MSG_HDR
 * in a chunk. */
typedef struct tt__msg_hdr {
  uint32_t len; /* bytes after the length word */
  uint32_t pid; /* file messages only */
  uint32_t tid;
  uint64_t base_ts;
} tt__msg_hdr;
void tt__wire_hdr_encode(uint8_t h[TT__WIRE_HDR], const tt__msg_hdr *m);
/* Both layouts start with the length word: writers that learn it only once
 * the records are in (the producer, tt_writer_event) set it last. */
static inline void tt__msg_set_len(uint8_t *msg, uint32_t len) { tt__put32(msg, len); }
/* -EBADMSG unless tt__msg_len_ok(len); -ENODATA when the message is cut. */
int tt__wire_hdr_decode(const uint8_t *h, size_t len, tt__msg_hdr *m);
void tt__file_msg_hdr_encode(uint8_t h[TT__FILE_MSG_HDR], const tt__msg_hdr *m);
/* -EBADMSG when the length word is below the header or past the buffer. */
int tt__file_msg_hdr_decode(const uint8_t *h, size_t len, tt__msg_hdr *m);

/* The .ttrace file header. */
#define TT__CLOCK_MONOTONIC 1
#define TT__FILE_FLIGHT_RECORDER 1 /* flags bit 0 */
typedef struct tt__file_hdr {
  tt_proc_info proc;
  uint8_t clock; /* TT__CLOCK_MONOTONIC */
  uint8_t flags;
} tt__file_hdr;
void tt__file_hdr_encode(uint8_t h[TT__FILE_HDR], const tt__file_hdr *f);
int tt__file_hdr_decode(const uint8_t *h, size_t len, tt__file_hdr *f);

/* A chunk header (its own checksum is computed by the encoder, checked by
 * the decoder: -EBADMSG for a bad magic or checksum). */
typedef struct tt__chunk_hdr {
  uint32_t kind; /* TT__CHUNK_*, one byte on disk */
  uint32_t stored, raw, nevents;
  uint64_t first_ts, last_ts;
  uint32_t payload_crc;
} tt__chunk_hdr;
void tt__chunk_hdr_encode(uint8_t h[TT__CHUNK_HDR], const tt__chunk_hdr *c);
int tt__chunk_hdr_decode(const uint8_t *h, size_t len, tt__chunk_hdr *c);

/* The end chunk's payload. */
typedef struct tt__end {
  uint64_t index_off, events, lost, chunks;
} tt__end;
void tt__end_encode(uint8_t p[TT__END_PAYLOAD], const tt__end *e);
int tt__end_decode(const uint8_t *p, size_t len, tt__end *e);

/* One entry of the index chunk. */
typedef struct tt__index_ent {
  uint64_t off, first_ts, last_ts;
  uint32_t nevents, kind;
} tt__index_ent;
void tt__index_ent_encode(uint8_t p[TT__INDEX_ENTRY], const tt__index_ent *x);
int tt__index_ent_decode(const uint8_t *p, size_t len, tt__index_ent *x);

/* ---- Varints (LEB128) and zigzag ---- */
static inline uint8_t *tt__put_varint(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}
static inline uint64_t tt__zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t tt__unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }
/* Returns the byte after the varint, or NULL if it is cut or too long. */
static inline const uint8_t *tt__get_varint(const uint8_t *p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
    uint8_t b = *p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return p;
    }
  }
  return NULL;
}

/* The field kinds of every event type, as a table for the hot encoder. */
extern const uint8_t tt__kinds[TT_EV_MAX][TT_EVENT_FIELDS];

/* ---- Decoding one message body (the records after the message header) ---- */

/* Delta state: reset at the start of every message. */
typedef struct tt__dstate {
  uint64_t ts;
  uint64_t prev[TT_EV_MAX][TT_EVENT_FIELDS];
} tt__dstate;

static inline void tt__dstate_reset(tt__dstate *d, uint64_t base_ts) {
  memset(d->prev, 0, sizeof d->prev);
  d->ts = base_ts;
}

typedef struct tt__rec {
  unsigned tag;                /* event type, or TT__TAG_STRDEF */
  uint64_t ts;                 /* events */
  uint64_t u[TT_EVENT_FIELDS]; /* events: values; STR slots hold string ids */
  uint64_t str_id;             /* strdef */
  const char *str;             /* strdef: not NUL-terminated */
  size_t str_len;
} tt__rec;

/* Decode the record at *p (before end). Returns 1 and advances *p, 0 at end,
 * or -EBADMSG with *why set to a static reason. */
int tt__rec_next(tt__dstate *d, const uint8_t **p, const uint8_t *end, tt__rec *r,
                 const char **why);

/* ---- A map from 64-bit ids to values (strings, presence) ----
 * The base map (tt_base.h) holding pointers, under the name the format's
 * users know (a struct of its own, so that it can be declared ahead). */
typedef struct tt__idmap {
  tt_map m;
} tt__idmap;
/* Set id to val (replacing; the value replaced in *old, else NULL).
 * Returns 0, -ENOMEM or -EOVERFLOW. */
static inline int tt__idmap_put(tt__idmap *m, uint64_t id, void *val, void **old) {
  uint64_t o = 0;
  int r = tt_map_put(&m->m, id, (uint64_t)(uintptr_t)val, &o);
  if (old)
    *old = r == 1 ? (void *)(uintptr_t)o : NULL;
  return r < 0 ? r : 0;
}
static inline void *tt__idmap_get(const tt__idmap *m, uint64_t id, int *found) {
  uint64_t v = 0;
  *found = tt_map_get(&m->m, id, &v);
  return (void *)(uintptr_t)v;
}
/* Iterate from *pos 0: 1 with the next id and value, 0 after the last. */
static inline int tt__idmap_next(const tt__idmap *m, size_t *pos, uint64_t *id, void **val) {
  uint64_t v = 0;
  int r = tt_map_next(&m->m, pos, id, &v);
  *val = (void *)(uintptr_t)v;
  return r;
}
static inline size_t tt__idmap_len(const tt__idmap *m) { return m->m.len; }
/* Free the map, and every value with free_val when it is not NULL. */
void tt__idmap_free(tt__idmap *m, void (*free_val)(void *));

uint32_t tt__crc32(const void *p, size_t len);

/* ---- A map from strings to ids (the interning side) ----
 * The base string map (tt_base.h); tt__strhash is its one hash. */
typedef tt_strmap tt__strmap;
#define tt__strhash tt_strhash
/* The id of s[0..len), or -1 when absent. */
static inline int64_t tt__strmap_get(const tt__strmap *m, const char *s, size_t len,
                                     uint64_t hash) {
  const tt_strent *e = tt_strmap_find(m, s, len, hash);
  return e ? (int64_t)e->id : -1;
}
/* Add s[0..len) (copied) as id. Returns 0, -ENOMEM or -EOVERFLOW. */
static inline int tt__strmap_put(tt__strmap *m, const char *s, size_t len, uint64_t hash,
                                 uint64_t id) {
  return tt_strmap_add(m, s, len, hash, id, NULL);
}
static inline void tt__strmap_clear(tt__strmap *m) { tt_strmap_free(m); }

/* Encode one event (STR slots of u hold string ids) at p, which has room for
 * TT__REC_MAX bytes. The same delta rules tt__rec_next undoes. */
#define TT__REC_MAX (1 + 10 + TT_EVENT_FIELDS * 10)
static inline uint8_t *tt__enc_event(uint8_t *p, tt__dstate *d, unsigned type, uint64_t ts,
                                     const uint64_t u[TT_EVENT_FIELDS]) {
  *p++ = (uint8_t)type;
  uint64_t dt = ts > d->ts ? ts - d->ts : 0; /* a clock step back is clamped */
  d->ts += dt;
  p = tt__put_varint(p, dt);
  const uint8_t *kind = tt__kinds[type];
  uint64_t *prev = d->prev[type];
  for (int i = 0; i < TT_EVENT_FIELDS; i++) {
    if (kind[i] == TT_FIELD_NONE)
      continue;
    if (kind[i] == TT_FIELD_STR) {
      p = tt__put_varint(p, u[i]);
    } else {
      p = tt__put_varint(p, tt__zigzag((int64_t)(u[i] - prev[i])));
      prev[i] = u[i];
    }
  }
  return p;
}
static inline uint8_t *tt__enc_strdef(uint8_t *p, uint64_t id, const char *s, size_t len) {
  *p++ = TT__TAG_STRDEF;
  p = tt__put_varint(p, id);
  p = tt__put_varint(p, len);
  memcpy(p, s, len);
  return p + len;
}

#endif
