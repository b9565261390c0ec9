/* Private: the parts of the .ttrace writer the collector uses beyond the
 * public API (tasktraced and `tasktrace record` include this).
 *
 * Errors as in ttrace.h: 0 or a negative errno, nothing printed, and a
 * static reason in *why on failure where there is one. */
#ifndef TT_TRACER_TTFILE_H
#define TT_TRACER_TTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "tasktrace/ttrace.h"

/* tt_writer_open on a file the caller created (the collector makes its
 * files with openat/O_EXCL); fd is the writer's from here, closed on failure
 * too. */
int tt__writer_open_fd(tt_writer **out, int fd, const tt_proc_info *proc,
                       const tt_writer_opts *opts);
/* tt_writer_close that also says how many events the file holds (in
 * flight-recorder mode, only those of the chunks the ring kept). */
int tt__writer_close(tt_writer *w, uint64_t *file_events);
/* Append one already validated producer message: msg is a whole wire
 * message (u32 len, u32 tid, u64 base_ts, records), len its size (the length
 * word's value + 4). nevents/first_ts/last_ts/lost describe it (the
 * collector decoded it). */
int tt__writer_message(tt_writer *w, uint32_t pid, const uint8_t *msg, size_t len,
                       uint32_t nevents, uint64_t first_ts, uint64_t last_ts, uint64_t lost);
/* Remember a string definition seen in a message (for the strings chunk that
 * flight-recorder files and the index need). Returns 0 or -ENOMEM. */
int tt__writer_strdef(tt_writer *w, uint64_t id, const char *s, size_t len);
/* Copy every string definition of src into dst and write them as a strings
 * chunk (a file opened on SIGHUP starts with what the old one knew). */
int tt__writer_copy_strings(tt_writer *dst, const tt_writer *src);
/* Events appended so far. */
uint64_t tt__writer_events(const tt_writer *w);
/* Memory the string definitions it keeps take (the collector caps it per
 * connection). */
uint64_t tt__writer_string_bytes(const tt_writer *w);
/* The first write error (-ENOSPC...), or 0. */
int tt__writer_error(const tt_writer *w);

/* Validate one whole wire message (msg, len: as for tt__writer_message) against
 * the connection's string ids (*defined, an id set; new definitions are added
 * and passed to w when w is not NULL). Fills the counts. Returns 0 or
 * -EBADMSG with *why set. */
struct tt__idmap;
int tt__validate_message(const uint8_t *msg, size_t len, struct tt__idmap *defined, tt_writer *w,
                         uint32_t *nevents, uint64_t *first_ts, uint64_t *last_ts,
                         uint64_t *lost, const char **why);

#endif
