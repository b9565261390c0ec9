/* Private: the record encoding shared by the producer stream, the collector
 * and .ttrace files (tracer/format/FORMAT.md, "Records"), and their framing. */
#ifndef TT_TRACER_CODEC_H
#define TT_TRACER_CODEC_H

#include <stdint.h>
#include <string.h>

#include "tasktrace/ttrace.h"

/* ---- Framing constants (FORMAT.md) ---- */
#define TT__STREAM_MAGIC "TTSTRM\x00\x01" /* 8 bytes, first thing on the socket */
#define TT__STREAM_VERSION 1
#define TT__HELLO_SIZE 100               /* magic..program, fixed */
#define TT__WIRE_HDR 16                  /* u32 len, u32 tid, u64 base_ts */
#define TT__FILE_MSG_HDR 20              /* u32 len, u32 pid, u32 tid, u64 base_ts */
#define TT__MSG_MAX (1u << 20)           /* largest message body accepted */

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

/* ---- A map from 64-bit ids to values (strings, presence) ---- */
typedef struct tt__idmap {
  uint64_t *keys; /* key+1, 0 = empty */
  void **vals;
  size_t cap, n;
} tt__idmap;
/* Set id to val (replacing). Returns 0 or -ENOMEM. */
int tt__idmap_put(tt__idmap *m, uint64_t id, void *val, void **old);
void *tt__idmap_get(const tt__idmap *m, uint64_t id, int *found);
void tt__idmap_free(tt__idmap *m, void (*free_val)(void *));

uint32_t tt__crc32(const void *p, size_t len);

/* ---- A map from strings to ids (the interning side) ---- */
typedef struct tt__strmap {
  struct tt__strent *ents; /* s == NULL: empty */
  size_t cap, n;
} tt__strmap;
/* The id of s[0..len), or -1 when absent. */
int64_t tt__strmap_get(const tt__strmap *m, const char *s, size_t len, uint64_t hash);
/* Add s[0..len) (copied) as id. Returns 0 or -ENOMEM. */
int tt__strmap_put(tt__strmap *m, const char *s, size_t len, uint64_t hash, uint64_t id);
void tt__strmap_clear(tt__strmap *m);
static inline uint64_t tt__strhash(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < len; i++)
    h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
  return h;
}

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
