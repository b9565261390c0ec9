/* `tasktrace explore`: schedule files on the explorer's side, and shrinking
 * a failing schedule towards FIFO order (delta debugging over its
 * deviations, the decisions that are not 0). A candidate is replayed
 * leniently (TASKTRACE_SCHEDULE_LENIENT=1: what no longer fits is FIFO) and
 * recorded; when it fails the same way, what it recorded is the new, strict
 * schedule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"

void ex_sched_free(ex_sched *s) {
  free(s->d);
  memset(s, 0, sizeof *s);
}

/* The runtime validates a file it replays; this reads only files a run
 * wrote, whole (one read: explore reads every run's schedule). A run that
 * was killed leaves NUL bytes after its text, maybe after a line cut short
 * (runtime/src/policy.c writes through a mapping): only lines that end in a
 * newline count. */
int ex_sched_read(const char *path, ex_sched *s) {
  memset(s, 0, sizeof *s);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return -1;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len + 4096 + 1 > cap) {
      cap = cap ? 2 * cap : 16384;
      char *nb = realloc(buf, cap);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return -1;
      }
      buf = nb;
    }
    size_t n = fread(buf + len, 1, cap - len - 1, f);
    len += n;
    if (n == 0)
      break;
  }
  fclose(f);
  len = strnlen(buf, len); /* the NUL tail, if any */
  size_t dcap = 0;
  for (char *l = buf, *nl; l < buf + len && (nl = memchr(l, '\n', (size_t)(buf + len - l))) != NULL;
       l = nl + 1) {
    *nl = '\0';
    ex_dec d = {0};
    char *e;
    if (l[0] == 'o' && l[1] == ' ') {
      d.bound = (uint32_t)strtoul(l + 2, &e, 10);
      if (*e == ' ')
        d.value = (uint32_t)strtoul(e + 1, &e, 10), d.kind = 'o';
    } else if (l[0] == 'y' && l[1] == ' ') {
      d.value = (uint32_t)strtoul(l + 2, &e, 10), d.kind = 'y', d.bound = 2;
    } else if (strncmp(l, "steps ", 6) == 0) {
      s->steps = strtoull(l + 6, NULL, 10);
    } else if (strncmp(l, "end ", 4) == 0) {
      s->complete = 1;
    }
    if (d.kind == 0)
      continue;
    if (s->n == dcap) {
      dcap = dcap ? 2 * dcap : 256;
      ex_dec *nd = realloc(s->d, dcap * sizeof *nd);
      if (nd == NULL) {
        free(buf);
        ex_sched_free(s);
        return -1;
      }
      s->d = nd;
    }
    s->d[s->n++] = d;
  }
  free(buf);
  return 0;
}

int ex_sched_write(const char *path, const ex_sched *s) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  fprintf(f, "tasktrace-schedule 1\n# written by tasktrace explore\n");
  for (size_t i = 0; i < s->n; i++) {
    if (s->d[i].kind == 'o')
      fprintf(f, "o %u %u\n", s->d[i].bound, s->d[i].value);
    else
      fprintf(f, "y %u\n", s->d[i].value);
  }
  if (s->complete)
    fprintf(f, "steps %llu\nend %zu\n", (unsigned long long)s->steps, s->n);
  return fclose(f) == 0 ? 0 : -1;
}

size_t ex_sched_deviations(const ex_sched *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++)
    n += s->d[i].value != 0;
  return n;
}

/* Try s with the deviations [from, to) (counted among the deviations) set
 * to FIFO; on the same failure, *s becomes what that run recorded. */
static int try_without(ex_shrink_ctx *c, ex_sched *s, size_t from, size_t to, const char *sig) {
  ex_sched cand = {.n = s->n, .steps = s->steps, .complete = s->complete};
  cand.d = malloc((s->n ? s->n : 1) * sizeof *cand.d);
  if (cand.d == NULL)
    return 0;
  size_t k = 0;
  for (size_t i = 0; i < s->n; i++) {
    cand.d[i] = s->d[i];
    if (s->d[i].value != 0 && k++ >= from && k <= to)
      cand.d[i].value = 0;
  }
  char in[4096], e1[4200], e2[4200];
  ex_run r = {0};
  snprintf(in, sizeof in, "%s/shrink.in", c->dir);
  snprintf(r.sched, sizeof r.sched, "%s/shrink.out", c->dir);
  snprintf(r.out, sizeof r.out, "%s/shrink.log", c->dir);
  snprintf(e1, sizeof e1, "TASKTRACE_SCHEDULE=%s", in);
  snprintf(e2, sizeof e2, "TASKTRACE_SCHEDULE_OUT=%s", r.sched);
  char *env[] = {e1, e2, "TASKTRACE_SCHEDULE_LENIENT=1", NULL};
  ex_result res;
  int ok = ex_sched_write(in, &cand) == 0 && ex_run_sync(&r, c->argv, env, c->timeout, &res) == 0 &&
           res.failed && strcmp(res.sig, sig) == 0;
  ex_sched_free(&cand);
  c->runs++;
  ex_sched got;
  if (ok && ex_sched_read(r.sched, &got) == 0 && ex_sched_deviations(&got) < ex_sched_deviations(s)) {
    ex_sched_free(s);
    *s = got;
    return 1;
  }
  if (ok)
    ex_sched_free(&got);
  return 0;
}

void ex_shrink(ex_shrink_ctx *c, ex_sched *s, const char *sig) {
  double t0 = ex_now();
  size_t n = ex_sched_deviations(s);
  size_t chunk = (n + 1) / 2;
  while (n > 0 && chunk > 0) {
    int progress = 0;
    for (size_t from = 0; from < n; from += chunk) {
      if (c->runs >= c->max_runs || ex_now() - t0 > c->max_seconds || ex_interrupted)
        return;
      if (try_without(c, s, from, from + chunk, sig)) {
        progress = 1;
        break;
      }
    }
    n = ex_sched_deviations(s);
    if (!progress)
      chunk /= 2;
    else if (chunk > n)
      chunk = (n + 1) / 2;
  }
}
