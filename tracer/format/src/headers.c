/* The fixed-layout headers of the stream and of .ttrace files
 * (tracer/format/FORMAT.md): each one is written by its encode function and
 * read by its decode function, and nowhere else, so that the writer, the
 * reader, the producer and the collector cannot disagree on an offset. */
#include <errno.h>

#include "tasktrace/wire.h"

/* ---- The stream hello ---- */

void tt__hello_encode(uint8_t h[TT__HELLO_SIZE], const tt_proc_info *proc) {
  memset(h, 0, TT__HELLO_SIZE);
  memcpy(h, TT__STREAM_MAGIC, 8);
  tt__put32(h + 8, TT__HELLO_SIZE - 12);
  h[12] = TT__STREAM_VERSION;
  tt__put32(h + 16, proc->pid);
  tt__put64(h + 20, proc->start_realtime_ns);
  tt__put64(h + 28, proc->start_mono_ns);
  memcpy(h + 36, proc->program, strnlen(proc->program, 63));
}

int tt__hello_decode(const uint8_t *h, size_t len, tt_proc_info *proc, const char **why) {
  if (len < 8 || memcmp(h, TT__STREAM_MAGIC, 8) != 0) {
    *why = "not a tasktrace stream";
    return len < 8 ? -ENODATA : -EPROTO;
  }
  if (len < TT__HELLO_SIZE) {
    *why = "hello cut short";
    return -ENODATA;
  }
  if (tt__get32(h + 8) != TT__HELLO_SIZE - 12 || h[12] != TT__STREAM_VERSION) {
    *why = "a tasktrace stream of another version";
    return -EPROTO;
  }
  memset(proc, 0, sizeof *proc);
  proc->pid = tt__get32(h + 16);
  proc->start_realtime_ns = tt__get64(h + 20);
  proc->start_mono_ns = tt__get64(h + 28);
  memcpy(proc->program, h + 36, 63);
  proc->program[63] = 0;
  return 0;
}

/* ---- Message headers: the stream's (no pid) and the file's ---- */

void tt__wire_hdr_encode(uint8_t h[TT__WIRE_HDR], const tt__msg_hdr *m) {
  tt__put32(h, m->len);
  tt__put32(h + 4, m->tid);
  tt__put64(h + 8, m->base_ts);
}

int tt__wire_hdr_decode(const uint8_t *h, size_t len, tt__msg_hdr *m) {
  if (len < TT__WIRE_HDR)
    return -ENODATA;
  *m = (tt__msg_hdr){tt__get32(h), 0, tt__get32(h + 4), tt__get64(h + 8)};
  if (!tt__msg_len_ok(m->len))
    return -EBADMSG;
  return m->len > len - 4 ? -ENODATA : 0;
}

void tt__file_msg_hdr_encode(uint8_t h[TT__FILE_MSG_HDR], const tt__msg_hdr *m) {
  tt__put32(h, m->len);
  tt__put32(h + 4, m->pid);
  tt__put32(h + 8, m->tid);
  tt__put64(h + 12, m->base_ts);
}

int tt__file_msg_hdr_decode(const uint8_t *h, size_t len, tt__msg_hdr *m) {
  if (len < TT__FILE_MSG_HDR)
    return -ENODATA;
  *m = (tt__msg_hdr){tt__get32(h), tt__get32(h + 4), tt__get32(h + 8), tt__get64(h + 12)};
  /* No upper bound but the chunk: one thread's run of tt_writer_event
   * calls is one message however long. */
  if (m->len < TT__FILE_MSG_HDR - 4 || m->len > len - 4)
    return -EBADMSG;
  return 0;
}

/* ---- The .ttrace file header ---- */

void tt__file_hdr_encode(uint8_t h[TT__FILE_HDR], const tt__file_hdr *f) {
  memset(h, 0, TT__FILE_HDR);
  memcpy(h, TT__FILE_MAGIC, 8);
  h[8] = TT__FILE_VERSION;
  h[10] = TT__FILE_HDR;
  tt__put32(h + 12, f->proc.pid);
  tt__put64(h + 16, f->proc.start_realtime_ns);
  tt__put64(h + 24, f->proc.start_mono_ns);
  h[32] = f->clock;
  h[33] = f->flags;
  memcpy(h + 36, f->proc.program, strnlen(f->proc.program, 63));
  tt__put32(h + 100, tt__crc32(h, 100));
}

int tt__file_hdr_decode(const uint8_t *h, size_t len, tt__file_hdr *f) {
  if (len < TT__FILE_HDR)
    return -ENODATA;
  if (memcmp(h, TT__FILE_MAGIC, 8) != 0 || h[8] != TT__FILE_VERSION || h[10] != TT__FILE_HDR)
    return -EPROTO; /* not a .ttrace file, or of another version */
  if (tt__get32(h + 100) != tt__crc32(h, 100))
    return -EBADMSG;
  memset(f, 0, sizeof *f);
  f->proc.pid = tt__get32(h + 12);
  f->proc.start_realtime_ns = tt__get64(h + 16);
  f->proc.start_mono_ns = tt__get64(h + 24);
  memcpy(f->proc.program, h + 36, 63);
  f->proc.program[63] = 0;
  f->clock = h[32];
  f->flags = h[33];
  return 0;
}

/* ---- Chunk headers, the end payload, index entries ---- */

void tt__chunk_hdr_encode(uint8_t h[TT__CHUNK_HDR], const tt__chunk_hdr *c) {
  memset(h, 0, TT__CHUNK_HDR);
  tt__put32(h, TT__CHUNK_MAGIC);
  h[4] = (uint8_t)c->kind;
  tt__put32(h + 8, c->stored);
  tt__put32(h + 12, c->raw);
  tt__put32(h + 16, c->nevents);
  tt__put64(h + 24, c->first_ts);
  tt__put64(h + 32, c->last_ts);
  tt__put32(h + 40, c->payload_crc);
  tt__put32(h + 44, tt__crc32(h, 44));
}

int tt__chunk_hdr_decode(const uint8_t *h, size_t len, tt__chunk_hdr *c) {
  if (len < TT__CHUNK_HDR)
    return -ENODATA;
  if (tt__get32(h) != TT__CHUNK_MAGIC || tt__get32(h + 44) != tt__crc32(h, 44))
    return -EBADMSG;
  *c = (tt__chunk_hdr){h[4],           tt__get32(h + 8),  tt__get32(h + 12),
                       tt__get32(h + 16), tt__get64(h + 24), tt__get64(h + 32),
                       tt__get32(h + 40)};
  return 0;
}

void tt__end_encode(uint8_t p[TT__END_PAYLOAD], const tt__end *e) {
  tt__put64(p, e->index_off);
  tt__put64(p + 8, e->events);
  tt__put64(p + 16, e->lost);
  tt__put64(p + 24, e->chunks);
}

int tt__end_decode(const uint8_t *p, size_t len, tt__end *e) {
  if (len < TT__END_PAYLOAD)
    return -ENODATA;
  *e = (tt__end){tt__get64(p), tt__get64(p + 8), tt__get64(p + 16), tt__get64(p + 24)};
  return 0;
}

void tt__index_ent_encode(uint8_t p[TT__INDEX_ENTRY], const tt__index_ent *x) {
  tt__put64(p, x->off);
  tt__put64(p + 8, x->first_ts);
  tt__put64(p + 16, x->last_ts);
  tt__put32(p + 24, x->nevents);
  tt__put32(p + 28, x->kind);
}

int tt__index_ent_decode(const uint8_t *p, size_t len, tt__index_ent *x) {
  if (len < TT__INDEX_ENTRY)
    return -ENODATA;
  *x = (tt__index_ent){tt__get64(p), tt__get64(p + 8), tt__get64(p + 16), tt__get32(p + 24),
                       tt__get32(p + 28)};
  return 0;
}
