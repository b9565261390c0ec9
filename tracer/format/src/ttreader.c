/* The .ttrace reader: header, then chunk after chunk (check, inflate,
 * decode messages), to the end record or to the last whole chunk of a cut
 * file. Nothing in the file is trusted: every length is checked against
 * what is there, and a bad byte ends reading with a reason. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tasktrace/wire.h"
#include "tt_base.h"

struct tt_reader {
  int fd;                /* -1: reading mem */
  uint8_t *mem;
  uint64_t size;         /* bytes in the file */
  tt_proc_info proc;
  int truncated;         /* no valid end record */
  int done;              /* 1: end reached, <0: error returned */
  char err[200];
  uint64_t off;          /* next chunk */
  uint64_t nchunk;       /* whole chunks read */
  uint64_t events, lost;
  uint64_t index_off;    /* complete files: where the index chunk is */
  z_stream z;
  uint8_t *cbuf, *raw;   /* stored and inflated chunk */
  size_t ccap, rcap;
  const uint8_t *mp, *mend; /* messages left in the current chunk */
  const uint8_t *rp, *rend; /* records left in the current message */
  uint32_t pid, tid;
  tt__dstate d;
  tt__idmap strings;     /* id -> NUL-terminated string */
  char **old;            /* replaced strings, kept alive until close */
  size_t nold, cold;
};

static int fail(tt_reader *r, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof r->err, fmt, ap);
  va_end(ap);
  r->done = code;
  return code;
}

static int read_at(tt_reader *r, void *buf, size_t len, uint64_t off) {
  if (off > r->size || len > r->size - off)
    return -ENODATA;
  if (r->fd < 0) {
    memcpy(buf, r->mem + off, len);
    return 0;
  }
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = pread(r->fd, p, len, (off_t)off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return -ENODATA;
    p += n, len -= (size_t)n, off += (uint64_t)n;
  }
  return 0;
}

/* Read and decode the chunk header at off: 0, -ENODATA (past the end),
 * -EBADMSG (bad magic or checksum), -errno. */
static int read_chunk_hdr(tt_reader *r, uint64_t off, tt__chunk_hdr *c) {
  uint8_t h[TT__CHUNK_HDR];
  int e = read_at(r, h, sizeof h, off);
  return e < 0 ? e : tt__chunk_hdr_decode(h, sizeof h, c);
}

/* Complete iff it ends with a valid end chunk: then where its index is. */
static void find_end(tt_reader *r) {
  r->truncated = 1;
  uint8_t e[TT__CHUNK_HDR + TT__END_PAYLOAD];
  tt__chunk_hdr c;
  tt__end end;
  if (r->size >= TT__FILE_HDR + sizeof e && read_at(r, e, sizeof e, r->size - sizeof e) == 0 &&
      tt__chunk_hdr_decode(e, sizeof e, &c) == 0 && c.kind == TT__CHUNK_END &&
      c.stored == TT__END_PAYLOAD &&
      c.payload_crc == tt__crc32(e + TT__CHUNK_HDR, TT__END_PAYLOAD) &&
      tt__end_decode(e + TT__CHUNK_HDR, TT__END_PAYLOAD, &end) == 0) {
    r->truncated = 0;
    r->index_off = end.index_off;
  }
}

static int finish_open(tt_reader *r) {
  uint8_t h[TT__FILE_HDR];
  tt__file_hdr fh;
  /* Too short, not a .ttrace file, another version, a damaged header. */
  if (read_at(r, h, sizeof h, 0) < 0 || tt__file_hdr_decode(h, sizeof h, &fh) < 0)
    return -EPROTO;
  r->proc = fh.proc;
  r->off = TT__FILE_HDR;
  find_end(r);
  if (inflateInit2(&r->z, -15) != Z_OK)
    return -ENOMEM;
  return 0;
}

int tt_reader_open(tt_reader **out, const char *path) {
  tt_reader *r = calloc(1, sizeof *r);
  if (r == NULL)
    return -ENOMEM;
  /* O_NONBLOCK: opening a FIFO with no writer must not wait. The reader
   * seeks (the end record, the index), so only a regular file will do:
   * a FIFO, a socket or /dev/zero is refused with -ESPIPE. */
  r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  struct stat st;
  int ret;
  if (r->fd < 0 || fstat(r->fd, &st) < 0) {
    ret = -errno;
    goto err;
  }
  if (!S_ISREG(st.st_mode)) {
    ret = -ESPIPE;
    goto err;
  }
  int fl = fcntl(r->fd, F_GETFL);
  if (fl >= 0)
    fcntl(r->fd, F_SETFL, fl & ~O_NONBLOCK);
  r->size = (uint64_t)st.st_size;
  if ((ret = finish_open(r)) < 0)
    goto err;
  *out = r;
  return 0;
err:
  if (r->fd >= 0)
    close(r->fd);
  free(r);
  return ret;
}

int tt_reader_open_mem(tt_reader **out, const void *data, size_t len) {
  tt_reader *r = calloc(1, sizeof *r);
  if (r == NULL)
    return -ENOMEM;
  r->fd = -1;
  r->mem = malloc(len ? len : 1);
  if (r->mem == NULL) {
    free(r);
    return -ENOMEM;
  }
  memcpy(r->mem, data, len);
  r->size = len;
  int ret = finish_open(r);
  if (ret < 0) {
    free(r->mem);
    free(r);
    return ret;
  }
  *out = r;
  return 0;
}

/* A chunk could not be read whole: in a cut file that is where it was
 * cut (the normal end); in a complete one, damage. */
static int bad_chunk(tt_reader *r, const char *what) {
  if (r->truncated)
    return fail(r, 0, "cut after chunk %llu at byte %llu (%s)", (unsigned long long)r->nchunk,
                (unsigned long long)r->off, what);
  return fail(r, -EBADMSG, "chunk %llu at byte %llu: %s", (unsigned long long)r->nchunk + 1,
              (unsigned long long)r->off, what);
}

static int grow(uint8_t **buf, size_t *cap, size_t need) {
  return need <= *cap ? 0 : tt_grow(buf, cap, need, 1, need);
}

/* Load the next chunk holding messages. Returns 1, 0 at the end, <0. */
static int next_chunk(tt_reader *r) {
  for (;;) {
    tt__chunk_hdr c;
    if (r->off == r->size && r->truncated)
      return fail(r, 0, "cut after chunk %llu at byte %llu (no end record)",
                  (unsigned long long)r->nchunk, (unsigned long long)r->off);
    int e = read_chunk_hdr(r, r->off, &c);
    if (e == -ENODATA)
      return bad_chunk(r, "chunk header cut short");
    if (e == -EBADMSG)
      return bad_chunk(r, "bad chunk header");
    if (e < 0)
      return fail(r, e, "read at byte %llu: %s", (unsigned long long)r->off, strerror(-e));
    unsigned kind = c.kind;
    uint32_t stored = c.stored, rawlen = c.raw;
    if (kind == TT__CHUNK_END || kind == TT__CHUNK_INDEX) {
      if (!r->truncated) {
        r->done = 1;
        return 0;
      }
      /* An index in a file without an end record: cut while closing. */
      return fail(r, 0, "cut after chunk %llu at byte %llu (while writing the index)",
                  (unsigned long long)r->nchunk, (unsigned long long)r->off);
    }
    if ((kind != TT__CHUNK_EVENTS && kind != TT__CHUNK_STRINGS) || rawlen > TT__CHUNK_RAW_MAX ||
        stored > TT__CHUNK_RAW_MAX + (TT__CHUNK_RAW_MAX >> 4) ||
        rawlen > (uint64_t)stored * 1032 + 64) /* deflate expands at most ~1032:1 */
      return fail(r, -EBADMSG, "chunk %llu at byte %llu: bad kind or size",
                  (unsigned long long)r->nchunk + 1, (unsigned long long)r->off);
    if (grow(&r->cbuf, &r->ccap, stored ? stored : 1) < 0 ||
        grow(&r->raw, &r->rcap, rawlen ? rawlen : 1) < 0)
      return fail(r, -ENOMEM, "out of memory");
    e = read_at(r, r->cbuf, stored, r->off + TT__CHUNK_HDR);
    if (e == -ENODATA)
      return bad_chunk(r, "chunk data cut short");
    if (e < 0)
      return fail(r, e, "read at byte %llu: %s", (unsigned long long)r->off, strerror(-e));
    if (tt__crc32(r->cbuf, stored) != c.payload_crc)
      return bad_chunk(r, "bad checksum");
    inflateReset(&r->z);
    r->z.next_in = r->cbuf;
    r->z.avail_in = stored;
    r->z.next_out = r->raw;
    r->z.avail_out = rawlen;
    int zr = inflate(&r->z, Z_FINISH);
    if (zr != Z_STREAM_END || r->z.total_out != rawlen)
      return fail(r, -EBADMSG, "chunk %llu at byte %llu: does not inflate to its size",
                  (unsigned long long)r->nchunk + 1, (unsigned long long)r->off);
    r->off += TT__CHUNK_HDR + (uint64_t)stored;
    r->nchunk++;
    r->mp = r->raw;
    r->mend = r->raw + rawlen;
    return 1;
  }
}

static int add_string(tt_reader *r, const tt__rec *rec) {
  int found;
  char *cur = tt__idmap_get(&r->strings, rec->str_id, &found);
  if (found && strlen(cur) == rec->str_len && memcmp(cur, rec->str, rec->str_len) == 0)
    return 0;
  char *s = malloc(rec->str_len + 1);
  if (s == NULL)
    return -ENOMEM;
  memcpy(s, rec->str, rec->str_len);
  s[rec->str_len] = 0;
  void *old;
  if (tt__idmap_put(&r->strings, rec->str_id, s, &old) < 0) {
    free(s);
    return -ENOMEM;
  }
  if (old != NULL) { /* events already returned may point at it */
    if (tt_grow(&r->old, &r->cold, r->nold + 1, sizeof *r->old, 16) < 0) {
      free(old);
      return -ENOMEM;
    }
    r->old[r->nold++] = old;
  }
  return 0;
}

int tt_reader_next(tt_reader *r, tt_trace_event *ev) {
  if (r->done)
    return r->done < 0 ? r->done : 0;
  for (;;) {
    if (r->rp < r->rend) {
      tt__rec rec;
      const char *why = NULL;
      int n = tt__rec_next(&r->d, &r->rp, r->rend, &rec, &why);
      if (n < 0)
        return fail(r, n, "chunk %llu: %s", (unsigned long long)r->nchunk, why);
      if (rec.tag == TT__TAG_STRDEF) {
        if (add_string(r, &rec) < 0)
          return fail(r, -ENOMEM, "out of memory");
        continue;
      }
      ev->type = rec.tag;
      ev->pid = r->pid;
      ev->tid = r->tid;
      ev->ts = rec.ts;
      for (int i = 0; i < TT_EVENT_FIELDS; i++) {
        ev->s[i] = NULL;
        ev->u[i] = rec.u[i];
        if (tt__kinds[rec.tag][i] == TT_FIELD_STR) {
          int found;
          ev->s[i] = tt__idmap_get(&r->strings, rec.u[i], &found);
          if (!found)
            return fail(r, -EBADMSG, "chunk %llu: string %llu used before its definition",
                        (unsigned long long)r->nchunk, (unsigned long long)rec.u[i]);
          ev->u[i] = 0;
        }
      }
      if (rec.tag == TT_EV_lost)
        r->lost += rec.u[0];
      r->events++;
      return 1;
    }
    if (r->mp < r->mend) {
      tt__msg_hdr mh;
      int e = tt__file_msg_hdr_decode(r->mp, (size_t)(r->mend - r->mp), &mh);
      if (e == -ENODATA)
        return fail(r, -EBADMSG, "chunk %llu: message header cut short",
                    (unsigned long long)r->nchunk);
      if (e < 0)
        return fail(r, -EBADMSG, "chunk %llu: bad message length %u",
                    (unsigned long long)r->nchunk, mh.len);
      r->pid = mh.pid;
      r->tid = mh.tid;
      tt__dstate_reset(&r->d, mh.base_ts);
      r->rp = r->mp + TT__FILE_MSG_HDR;
      r->rend = r->mp + 4 + mh.len;
      r->mp = r->rend;
      continue;
    }
    int n = next_chunk(r);
    if (n <= 0)
      return n;
  }
}


/* Take in the string definitions of the loaded chunk and drop its events
 * (seeking past it). */
static int strings_of_chunk(tt_reader *r) {
  while (r->mp < r->mend) {
    tt__msg_hdr mh;
    if (tt__file_msg_hdr_decode(r->mp, (size_t)(r->mend - r->mp), &mh) < 0)
      return fail(r, -EBADMSG, "chunk %llu: bad message", (unsigned long long)r->nchunk);
    const uint8_t *p = r->mp + TT__FILE_MSG_HDR, *end = r->mp + 4 + mh.len;
    tt__dstate_reset(&r->d, 0);
    tt__rec rec;
    const char *why = NULL;
    int n;
    while ((n = tt__rec_next(&r->d, &p, end, &rec, &why)) > 0)
      if (rec.tag == TT__TAG_STRDEF && add_string(r, &rec) < 0)
        return fail(r, -ENOMEM, "out of memory");
    if (n < 0)
      return fail(r, n, "chunk %llu: %s", (unsigned long long)r->nchunk, why);
    r->mp = end;
  }
  return 0;
}

/* Seek in a complete file: load every strings chunk the index lists, then
 * go to the first events chunk that reaches ts. */
static int seek_index(tt_reader *r, uint64_t ts) {
  tt__chunk_hdr c;
  if (read_chunk_hdr(r, r->index_off, &c) < 0 || c.kind != TT__CHUNK_INDEX)
    return fail(r, -EBADMSG, "the index at byte %llu is damaged",
                (unsigned long long)r->index_off);
  uint32_t n = c.nevents, stored = c.stored;
  if ((uint64_t)n * TT__INDEX_ENTRY != stored || grow(&r->cbuf, &r->ccap, stored + 1) < 0 ||
      read_at(r, r->cbuf, stored, r->index_off + TT__CHUNK_HDR) < 0 ||
      tt__crc32(r->cbuf, stored) != c.payload_crc)
    return fail(r, -EBADMSG, "the index at byte %llu is damaged",
                (unsigned long long)r->index_off);
  uint8_t *idx = malloc(stored + 1);
  if (idx == NULL)
    return fail(r, -ENOMEM, "out of memory");
  memcpy(idx, r->cbuf, stored);
  uint64_t target = r->index_off;
  for (uint32_t i = 0; i < n; i++) {
    tt__index_ent e;
    tt__index_ent_decode(idx + (size_t)i * TT__INDEX_ENTRY, TT__INDEX_ENTRY, &e);
    if (e.kind == TT__CHUNK_STRINGS) {
      r->off = e.off;
      int k = next_chunk(r);
      if (k <= 0 || strings_of_chunk(r) < 0) {
        free(idx);
        return k < 0 || r->done < 0 ? r->done : fail(r, -EBADMSG, "bad strings chunk");
      }
    } else if (target == r->index_off && e.last_ts >= ts) {
      target = e.off;
    }
  }
  free(idx);
  r->mp = r->mend = NULL;
  r->off = target;
  return 0;
}

/* Seek in a cut file, which has no index: walk the chunk headers from the
 * start, taking in the strings of the chunks passed over. */
static int seek_walk(tt_reader *r, uint64_t ts) {
  r->off = TT__FILE_HDR;
  r->nchunk = 0;
  for (;;) {
    tt__chunk_hdr c;
    if (read_chunk_hdr(r, r->off, &c) < 0 || (c.kind == TT__CHUNK_EVENTS && c.last_ts >= ts) ||
        (c.kind != TT__CHUNK_EVENTS && c.kind != TT__CHUNK_STRINGS))
      return 0; /* reading goes on from here (and says where it was cut) */
    uint64_t at = r->off;
    int k = next_chunk(r);
    if (k <= 0) {
      r->off = at;
      r->done = 0;
      r->err[0] = 0;
      return 0;
    }
    if (strings_of_chunk(r) < 0)
      return r->done;
  }
}

int tt_reader_seek(tt_reader *r, uint64_t ts) {
  if (r->done < 0)
    return r->done;
  r->done = 0;
  r->err[0] = 0;
  r->rp = r->rend = NULL;
  r->mp = r->mend = NULL;
  return r->truncated ? seek_walk(r, ts) : seek_index(r, ts);
}

const char *tt_reader_error(const tt_reader *r) { return r->err[0] ? r->err : NULL; }
const tt_proc_info *tt_reader_process(const tt_reader *r) { return &r->proc; }
int tt_reader_truncated(const tt_reader *r) { return r->truncated; }
uint64_t tt_reader_lost(const tt_reader *r) { return r->lost; }
uint64_t tt_reader_events(const tt_reader *r) { return r->events; }

void tt_reader_close(tt_reader *r) {
  if (r == NULL)
    return;
  if (r->fd >= 0)
    close(r->fd);
  free(r->mem);
  inflateEnd(&r->z);
  tt__idmap_free(&r->strings, free);
  for (size_t i = 0; i < r->nold; i++)
    free(r->old[i]);
  free(r->old);
  free(r->cbuf);
  free(r->raw);
  free(r);
}
