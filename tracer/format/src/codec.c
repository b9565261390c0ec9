/* The record decoder (shared by the collector, which validates every byte a
 * producer sends, and the file reader), an id map, and CRC-32. */
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

#include "tasktrace/wire.h"
#include "tasktrace/ingest.h"

#define TT__KD(k) TT_FIELD_##k
#define TT__KROW(id, nm, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                        \
  [id] = {TT__KD(k0), TT__KD(k1), TT__KD(k2), TT__KD(k3)},
const uint8_t tt__kinds[TT_EV_MAX][TT_EVENT_FIELDS] = {TT_EVENTS(TT__KROW)};

int tt__rec_next(tt__dstate *d, const uint8_t **pp, const uint8_t *end, tt__rec *r,
                 const char **why) {
  const uint8_t *p = *pp;
  if (p >= end)
    return 0;
  unsigned tag = *p++;
  r->tag = tag;
  if (tag == TT__TAG_STRDEF) {
    uint64_t id, len;
    if ((p = tt__get_varint(p, end, &id)) == NULL || (p = tt__get_varint(p, end, &len)) == NULL) {
      *why = "string definition cut short";
      return -EBADMSG;
    }
    if (len > TT__STR_MAX || len > (uint64_t)(end - p)) {
      *why = "string definition longer than its message";
      return -EBADMSG;
    }
    if (memchr(p, 0, len) != NULL) {
      *why = "NUL byte in a string";
      return -EBADMSG;
    }
    r->str_id = id;
    r->str = (const char *)p;
    r->str_len = len;
    *pp = p + len;
    return 1;
  }
  if (tag == TT_EV_NONE || tag >= TT_EV_MAX) {
    *why = "unknown record type";
    return -EBADMSG;
  }
  uint64_t v;
  if ((p = tt__get_varint(p, end, &v)) == NULL) {
    *why = "timestamp cut short";
    return -EBADMSG;
  }
  d->ts += v;
  r->ts = d->ts;
  const uint8_t *kind = tt__kinds[tag];
  uint64_t *prev = d->prev[tag];
  for (int i = 0; i < TT_EVENT_FIELDS; i++) {
    if (kind[i] == TT_FIELD_NONE) {
      r->u[i] = 0;
      continue;
    }
    if ((p = tt__get_varint(p, end, &v)) == NULL) {
      *why = "field cut short";
      return -EBADMSG;
    }
    if (kind[i] == TT_FIELD_STR) {
      r->u[i] = v;
    } else {
      prev[i] += (uint64_t)tt__unzigzag(v);
      r->u[i] = prev[i];
    }
  }
  *pp = p;
  return 1;
}

void tt__idmap_free(tt__idmap *m, void (*free_val)(void *)) {
  uint64_t id;
  void *val;
  if (free_val)
    for (size_t pos = 0; tt__idmap_next(m, &pos, &id, &val);)
      free_val(val);
  tt_map_free(&m->m);
}

uint32_t tt__crc32(const void *p, size_t len) {
  return (uint32_t)crc32(0L, (const Bytef *)p, (uInt)len);
}

