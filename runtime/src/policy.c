/* Scheduling policies and schedule files (docs/explore.md).
 *
 * The scheduler asks a policy two things: the order of a round's batch
 * (sched.c, one decision per Fisher-Yates position i = n-1..1: the value
 * v = i - j swaps position i with j, so 0 keeps FIFO order) and whether a
 * yield point yields first (park.c: 0 no, 1 yes). Every decision is a small
 * integer whose 0 is plain FIFO, which is what makes a schedule shrinkable:
 * fewer non-zero decisions, fewer deviations from FIFO.
 *
 *   random  today's seeded scheduler (TASKTRACE_SCHED_SEED=N, or
 *           TASKTRACE_SCHED=random:N): the same splitmix64 draws as ever,
 *           so a seed replays what it always did.
 *   pct     Burckhardt et al., ASPLOS 2010: each task a random priority,
 *           D-1 change points over the K steps of a run (a step is a
 *           decision where more than one task could run); the batch runs
 *           highest priority first, and at a yield point the task slips a
 *           round, again and again (at most MAX_SLIPS), while a ready task
 *           outranks it. A yield never starves anyone: a round runs every
 *           task of its batch, whatever the priorities.
 *   replay  TASKTRACE_SCHEDULE=FILE: the decisions of the file, in order;
 *           a program that asks for a different decision has diverged and
 *           the run stops (exit 85), saying at which decision and why.
 *
 * TASKTRACE_SCHEDULE_OUT=FILE gets each decision as it is made, written
 * into a shared mapping of the file (MAP_SHARED: the bytes are the file's
 * pages as soon as they are stored, so the file is whole up to the last
 * decision even if the program crashes or is killed with SIGKILL; then it
 * has no "end" line). A write(2) a decision cost more than the rest of a
 * short run under explore. The mapping runs ahead of what is written: a
 * normal end, exit(), a divergence and a broken invariant cut the file to
 * its text; a signal or a kill leaves NUL bytes after it (and maybe a line
 * cut in the middle), which readers drop (load_replay; explore too). A file
 * that cannot be mapped or preallocated is written with write(2) as before.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define EXIT_DIVERGED 85
#define MAX_DEPTH 64
#define MAX_FILE (256u << 20)

typedef struct decision {
  uint32_t bound, value, line;
  char kind; /* 'o' order, 'y' yield */
} decision;

typedef struct tt__policy tt__policy;
struct tt__policy {
  uint8_t kind;
  bool stopped;  /* tt_run's end: leftovers are cancelled FIFO, unrecorded */
  bool lenient;
  int out;       /* TASKTRACE_SCHEDULE_OUT, or -1 */
  char *map;     /* its shared mapping (NULL: write(2) each line) */
  size_t len, cap; /* bytes written into map, bytes mapped (and allocated) */
  uint64_t made; /* decisions so far */
  uint64_t steps; /* pct steps counted (decisions with a real choice) */
  /* pct */
  uint64_t seed, depth, cp[MAX_DEPTH];
  uint64_t low_id[MAX_DEPTH], low_prio[MAX_DEPTH];
  size_t nlow;
  /* replay */
  decision *d;
  size_t nd, dcap, pos;
  const char *path;
};

/* ---- Schedule files ------------------------------------------------------ */

#define OUT_FIRST 4096 /* the first mapping: a short run's whole schedule */

/* The policy whose file is mapped, for the exit paths (at most one: one
 * loop per thread, and a schedule file only under the main one's tt_run). */
static tt__policy *mapped;

/* Cut the file to what was written: the mapping's unwritten tail goes. */
static void out_cut(tt__policy *p) {
  if (p->out >= 0 && p->map != NULL && ftruncate(p->out, (off_t)p->len) < 0) {
    /* Nothing to do: the tail is NUL bytes, which readers drop. */
  }
}

static void out_close(tt__policy *p) {
  if (p->out < 0)
    return;
  if (p->map != NULL) {
    out_cut(p);
    munmap(p->map, p->cap);
    p->map = NULL;
    mapped = NULL;
  }
  close(p->out);
  p->out = -1;
}

static void out_fail(tt__policy *p) {
  out_close(p);
  fprintf(stderr, "tasktrace: TASKTRACE_SCHEDULE_OUT: write failed; schedule not kept\n");
}

/* The mapping covers [0, cap) of the file, allocated first (fallocate): a
 * store into a page the file system cannot back would be a SIGBUS, not an
 * error. 0, or <0 (then the caller falls back or fails). */
static int out_grow(tt__policy *p, size_t need) {
  size_t cap = p->cap ? p->cap : OUT_FIRST;
  while (cap < need)
    cap *= 2;
  if (fallocate(p->out, 0, (off_t)p->cap, (off_t)(cap - p->cap)) < 0)
    return -errno;
  void *m = p->map == NULL ? mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, p->out, 0)
                           : mremap(p->map, p->cap, cap, MREMAP_MAYMOVE);
  if (m == MAP_FAILED)
    return -errno;
  p->map = m;
  p->cap = cap;
  return 0;
}

static void out_write(tt__policy *p, const char *s, size_t n) {
  if (p->out < 0)
    return;
  if (p->map != NULL) {
    if (p->len + n > MAX_FILE) { /* no replay reads more: a livelock's endless run */
      out_close(p);
      fprintf(stderr, "tasktrace: TASKTRACE_SCHEDULE_OUT: 256 MiB written; the rest of the run "
                      "is not recorded\n");
      return;
    }
    if (p->len + n > p->cap && out_grow(p, p->len + n) < 0) {
      out_fail(p);
      return;
    }
    memcpy(p->map + p->len, s, n);
    p->len += n;
    return;
  }
  while (n > 0) {
    ssize_t w = write(p->out, s, n);
    if (w < 0) {
      out_fail(p);
      return;
    }
    s += w;
    n -= (size_t)w;
  }
}

/* exit() from a task, or from main after the loop failed to stop it. */
static void out_atexit(void) {
  if (mapped != NULL)
    out_cut(mapped);
}

void tt__policy_exiting(void) { out_atexit(); }

static int parse_u32(const char **s, uint32_t *out) {
  const char *p = *s;
  uint64_t v = 0;
  if (*p < '0' || *p > '9')
    return -EINVAL;
  for (; *p >= '0' && *p <= '9'; p++)
    if ((v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
      return -ERANGE;
  *out = (uint32_t)v;
  *s = p;
  return 0;
}

/* One line (NUL-terminated, no newline) into *d; 1 for a decision, 0 for a
 * line that is not one (comment, steps, end: *end set), or why it is bad. */
static const char *parse_line(const char *s, decision *d, int *is_dec, int64_t *end) {
  uint32_t a, b;
  *is_dec = 0;
  if (*s == '#' || *s == '\0')
    return NULL;
  if (s[0] == 'o' && s[1] == ' ') {
    s += 2;
    if (parse_u32(&s, &a) < 0 || *s++ != ' ' || parse_u32(&s, &b) < 0 || *s != '\0')
      return "expected 'o BOUND VALUE'";
    if (a < 2 || b >= a)
      return "an order decision needs BOUND >= 2 and VALUE < BOUND";
    *d = (decision){.kind = 'o', .bound = a, .value = b};
  } else if (s[0] == 'y' && s[1] == ' ') {
    s += 2;
    if (parse_u32(&s, &b) < 0 || *s != '\0' || b > 1)
      return "expected 'y 0' or 'y 1'";
    *d = (decision){.kind = 'y', .bound = 2, .value = b};
  } else if (strncmp(s, "steps ", 6) == 0) {
    s += 6;
    if (parse_u32(&s, &a) < 0 || *s != '\0')
      return "expected 'steps COUNT'";
    return NULL;
  } else if (strncmp(s, "end ", 4) == 0) {
    s += 4;
    if (parse_u32(&s, &a) < 0 || *s != '\0')
      return "expected 'end COUNT'";
    *end = a;
    return NULL;
  } else {
    return "not a schedule line (o, y, steps, end or # comment)";
  }
  *is_dec = 1;
  return NULL;
}

static int load_fail(const char *path, unsigned line, const char *why) {
  char e[256];
  if (line > 0)
    fprintf(stderr, "tasktrace: TASKTRACE_SCHEDULE=%s: line %u: %s\n", tt_esc(e, sizeof e, path),
            line, why);
  else
    fprintf(stderr, "tasktrace: TASKTRACE_SCHEDULE=%s: %s\n", tt_esc(e, sizeof e, path), why);
  return -EINVAL;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  while (buf != NULL) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0 || n > MAX_FILE)
      break;
    if (n == cap) {
      char *nb = realloc(buf, 2 * cap + 1);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf != NULL)
    buf[n] = '\0';
  *len = n;
  return buf;
}

static int parse_lines(tt__policy *p, char *buf, size_t len) {
  unsigned line = 0;
  int64_t end = -1;
  for (char *s = buf; s < buf + len; line++) {
    char *nl = memchr(s, '\n', (size_t)(buf + len - s));
    if (nl == NULL)
      return load_fail(p->path, line + 1, "the last line has no newline (cut file?)");
    *nl = '\0';
    if (memchr(s, '\0', (size_t)(nl - s)) != NULL || nl - s > 64)
      return load_fail(p->path, line + 1, "line too long or not text");
    if (line == 0) {
      if (strcmp(s, "tasktrace-schedule 1") != 0)
        return load_fail(p->path, 1, "not a schedule file (expected 'tasktrace-schedule 1')");
    } else if (end >= 0) {
      return load_fail(p->path, line + 1, "text after the 'end' line");
    } else {
      decision d;
      int is_dec;
      const char *why = parse_line(s, &d, &is_dec, &end);
      if (why != NULL)
        return load_fail(p->path, line + 1, why);
      if (is_dec) {
        /* Doubling: a killed hang's file holds millions of decisions
         * (about a million a second under virtual time). A fixed step
         * copied the array once a step, quadratic in the file wherever
         * realloc copies (ASan's does; glibc moves the pages): 7 s for a
         * hang of explore --timeout 1, whose replay then made no decision
         * before it was stopped in turn (tests/explore/test_schedule.c). */
        if (p->nd == p->dcap) {
          size_t cap = p->dcap ? 2 * p->dcap : 1024;
          decision *nd = realloc(p->d, cap * sizeof *nd);
          if (nd == NULL)
            return -ENOMEM;
          p->d = nd;
          p->dcap = cap;
        }
        d.line = line + 1;
        p->d[p->nd++] = d;
      } else if (end >= 0 && (uint64_t)end != p->nd) {
        return load_fail(p->path, line + 1, "'end' does not match the number of decisions");
      }
    }
    s = nl + 1;
  }
  return line == 0 ? load_fail(p->path, 0, "empty file") : 0;
}

static int load_replay(tt__policy *p, const char *path) {
  size_t len;
  p->path = path;
  char *buf = read_all(path, &len);
  if (buf == NULL)
    return load_fail(path, 0, "cannot be read");
  /* The file of a run killed while recording it: NUL bytes after its text,
   * maybe after a line cut short. What precedes its last newline is whole. */
  size_t text = strnlen(buf, len);
  if (text < len && text > 0 && len <= MAX_FILE) {
    size_t z = text;
    while (z < len && buf[z] == '\0')
      z++;
    if (z == len) {
      while (text > 0 && buf[text - 1] != '\n')
        text--;
      len = text;
      buf[len] = '\0';
    }
  }
  int r = len > MAX_FILE ? load_fail(path, 0, "larger than 256 MiB") : parse_lines(p, buf, len);
  free(buf);
  return r;
}

static void diverged(tt__policy *p, const char *why, char kind, uint32_t bound) {
  char e[256];
  const char *what = kind == 'o' ? "an order decision over" : "a yield decision";
  fprintf(stderr, "tasktrace: TASKTRACE_SCHEDULE=%s: replay diverged at decision %zu", tt_esc(e, sizeof e, p->path),
          p->pos + 1);
  if (p->pos < p->nd)
    fprintf(stderr, " (line %u)", p->d[p->pos].line);
  if (kind != 0)
    fprintf(stderr, ": the program asks for %s", what);
  if (kind == 'o')
    fprintf(stderr, " %u tasks", bound);
  fprintf(stderr, ", %s (the program is not deterministic: real I/O, clocks, threads?)\n", why);
  fflush(NULL);
  out_cut(p);
  _exit(EXIT_DIVERGED);
}

static char *put_u32(char *e, uint32_t v) {
  char d[10];
  int n = 0;
  do
    d[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0)
    *e++ = d[--n];
  return e;
}

/* The one decision point: the policy's wish, or the file's word. */
static uint32_t decide(tt__policy *p, char kind, uint32_t bound, uint32_t want) {
  if (p->stopped)
    return p->kind == TT__POL_REPLAY ? 0 : want;
  if (p->kind == TT__POL_REPLAY) {
    want = 0;
    if (p->pos >= p->nd) {
      if (!p->lenient)
        diverged(p, "but the file has no more decisions", kind, bound);
    } else {
      const decision *d = &p->d[p->pos];
      if (d->kind == kind && d->bound == bound)
        want = d->value;
      else if (p->lenient)
        want = d->kind == kind && d->value < bound ? d->value : 0;
      else
        diverged(p, d->kind != kind ? "but the file has the other kind here"
                                    : "but the file has another number of tasks here",
                 kind, bound);
      p->pos++;
    }
  }
  p->made++;
  if (p->out >= 0) {
    /* "o BOUND VALUE\n" or "y VALUE\n", by hand: snprintf was a tenth of a
     * short run's own time under explore. */
    char line[32], *e = line;
    *e++ = kind;
    *e++ = ' ';
    if (kind == 'o') {
      e = put_u32(e, bound);
      *e++ = ' ';
    }
    e = put_u32(e, want);
    *e++ = '\n';
    out_write(p, line, (size_t)(e - line));
  }
  return want;
}

/* ---- pct ------------------------------------------------------------------ */

static uint64_t prio(const tt__policy *p, uint64_t id) {
  for (size_t i = 0; i < p->nlow; i++)
    if (p->low_id[i] == id)
      return p->low_prio[i];
  tt__rng r = {p->seed ^ (id * 0xd1b54a32d192ed03ull)};
  return (1ull << 63) | (tt__rng_next(&r) >> 1); /* above every lowered one */
}

/* At a change point (pct_step after counting a step), lower task id below
 * everyone, the tasks lowered at earlier change points included (PCT's
 * d - i for the i-th change point reached; shuttle's and Coyote's "next
 * priority"): a bug of depth 3 that needs A ahead, then B, then A again is
 * found by lowering A, then B. The change points are distinct steps, so the
 * i-th reached is the i-th smallest. */
static void pct_step(tt__policy *p, uint64_t id) {
  for (uint64_t i = 0; i + 1 < p->depth; i++) {
    if (p->cp[i] != p->steps)
      continue;
    uint64_t below = 1; /* how many change points come at later steps */
    for (uint64_t j = 0; j + 1 < p->depth; j++)
      below += p->cp[j] > p->steps;
    size_t k = 0;
    while (k < p->nlow && p->low_id[k] != id)
      k++;
    if (k == p->nlow && p->nlow < MAX_DEPTH)
      p->nlow++;
    if (k < MAX_DEPTH) {
      p->low_id[k] = id;
      p->low_prio[k] = below;
    }
  }
}

static tt_task *ring_at(tt_loop *loop, size_t i) {
  return *(tt_task **)tt_ring_at(&loop->ready, i, sizeof(tt_task *));
}

static void ring_swap(tt_loop *loop, size_t i, size_t j) {
  tt_task **a = tt_ring_at(&loop->ready, i, sizeof *a);
  tt_task **b = tt_ring_at(&loop->ready, j, sizeof *b);
  tt_task *tmp = *a;
  *a = *b;
  *b = tmp;
}

/* pct's wish for position i: the lowest priority of 0..i goes last. */
static uint32_t pct_pick(tt_loop *loop, size_t i) {
  tt__policy *p = loop->pol;
  size_t lo = i;
  uint64_t lp = prio(p, ring_at(loop, i)->id);
  for (size_t j = 0; j < i; j++) {
    uint64_t q = prio(p, ring_at(loop, j)->id);
    if (q < lp) {
      lp = q;
      lo = j;
    }
  }
  return (uint32_t)(i - lo);
}

/* ---- The interface (internal.h) ----------------------------------------- */

void tt__policy_order(tt_loop *loop, size_t n) {
  tt__policy *p = loop->pol;
  if (n == 0)
    return;
  p->steps += n > 1 && !p->stopped; /* every policy counts: explore learns K from them */
  if (p->kind == TT__POL_PCT && n > 1 && !p->stopped) {
    size_t top = 0; /* a change point lowers the task that would run first */
    for (size_t j = 1; j < n; j++)
      if (prio(p, ring_at(loop, j)->id) > prio(p, ring_at(loop, top)->id))
        top = j;
    pct_step(p, ring_at(loop, top)->id);
  }
  for (size_t i = n - 1; i > 0; i--) {
    uint32_t want = 0;
    if (p->kind == TT__POL_RANDOM)
      want = (uint32_t)(i - (size_t)(tt__rng_next(&loop->rng) % (i + 1)));
    else if (p->kind == TT__POL_PCT)
      want = pct_pick(loop, i);
    uint32_t v = decide(p, 'o', (uint32_t)(i + 1), want);
    ring_swap(loop, i, i - v);
  }
}

/* pct: how many rounds in a row a task slips at one yield point while a
 * higher-priority task is ready. Unbounded would be PCT's strict priority,
 * and a higher task spinning on tt_yield until this one acts would starve
 * it; a bound keeps the spin progressing (a step every MAX_SLIPS + 1
 * rounds) and still lets the higher task run far ahead. */
#define MAX_SLIPS 8

bool tt__policy_yield(tt_loop *loop, tt_task *self, unsigned again) {
  tt__policy *p = loop->pol;
  uint32_t want = 0;
  bool live = loop->ready.len > 0 && !p->stopped;
  p->steps += again == 0 && live; /* a step: one per yield point, not per ask */
  if (p->kind == TT__POL_RANDOM) {
    if (again == 0) /* random slips once: the same draws as ever */
      want = (tt__rng_next(&loop->rng) & 3) == 0;
  } else if (p->kind == TT__POL_PCT && live && again < MAX_SLIPS) {
    if (again == 0)
      pct_step(p, self->id);
    uint64_t mine = prio(p, self->id);
    for (size_t i = 0; i < loop->ready.len && !want; i++)
      want = prio(p, ring_at(loop, i)->id) > mine;
  }
  return decide(p, 'y', 2, want) != 0;
}

static int open_out(tt__policy *p, const char *path) {
  char e[256];
  p->out = tt_open_private_rw(path); /* no link, FIFO, device, nor another's file */
  if (p->out < 0) {
    fprintf(stderr, "tasktrace: TASKTRACE_SCHEDULE_OUT=%s: %s\n", tt_esc(e, sizeof e, path),
            p->out == -EPERM ? "a symbolic link, or a file of another user's or with other names"
            : p->out == -EINVAL ? "not a regular file"
                                : strerror(-p->out));
    p->out = -1;
    return -EINVAL;
  }
  if (out_grow(p, OUT_FIRST) == 0) {
    static bool hooked;
    if (!hooked && atexit(out_atexit) == 0)
      hooked = true;
    mapped = p;
  } else {
    p->map = NULL; /* a file that cannot be mapped: write(2) each line */
    p->cap = 0;
    if (ftruncate(p->out, 0) < 0) {
      /* a fallocate that half worked: the tail is NUL bytes, dropped */
    }
  }
  char head[160];
  int n = snprintf(head, sizeof head, "tasktrace-schedule 1\n# policy %s\n",
                   p->kind == TT__POL_PCT ? "pct" : p->kind == TT__POL_RANDOM ? "random"
                                                    : p->kind == TT__POL_REPLAY ? "replay" : "fifo");
  out_write(p, head, (size_t)n);
  return 0;
}

int tt__policy_start(tt_loop *loop) {
  const tt__config *c = &tt__cfg;
  if (!c->seeded)
    return 0;
  tt__policy *p = calloc(1, sizeof *p);
  if (p == NULL)
    return -ENOMEM;
  loop->pol = p;
  loop->seeded = true;
  loop->rng.s = c->seed;
  p->kind = c->policy;
  p->out = -1;
  p->lenient = c->lenient;
  p->seed = c->seed;
  p->depth = c->pct_depth;
  if (p->kind == TT__POL_PCT) {
    tt__rng r = {c->seed ^ 0x5bd1e995ull};
    /* Distinct steps (two change points at one step would lower one task
     * twice: a depth lost), while there are enough steps for them. */
    for (uint64_t i = 0; i + 1 < p->depth; i++) {
      bool again;
      unsigned tries = 0;
      do {
        p->cp[i] = 1 + tt__rng_next(&r) % c->pct_steps;
        again = false;
        for (uint64_t j = 0; j < i; j++)
          again |= p->cp[j] == p->cp[i];
      } while (again && ++tries < 64);
    }
  }
  int err = p->kind == TT__POL_REPLAY ? load_replay(p, c->replay) : 0;
  if (err == 0 && c->record != NULL)
    err = open_out(p, c->record);
  if (err < 0) {
    free(p->d);
    free(p);
    loop->pol = NULL;
    loop->seeded = false;
    return err;
  }
  if (tt__served)
    return 0; /* explore knows the run's seed: no banner in every run's log */
  if (p->kind == TT__POL_RANDOM && getenv("TASKTRACE_SCHED") == NULL)
    fprintf(stderr, "tasktrace: seeded scheduler: TASKTRACE_SCHED_SEED=%llu\n",
            (unsigned long long)c->seed);
  else if (p->kind == TT__POL_RANDOM || p->kind == TT__POL_PCT)
    fprintf(stderr, "tasktrace: seeded scheduler: TASKTRACE_SCHED=%s\n", getenv("TASKTRACE_SCHED"));
  return 0;
}

void tt__policy_stop(tt_loop *loop) {
  tt__policy *p = loop->pol;
  if (p == NULL || p->stopped)
    return;
  p->stopped = true;
  if (p->kind == TT__POL_REPLAY && !p->lenient && p->pos < p->nd)
    diverged(p, "the run ended early", 0, 0);
  if (p->out >= 0) {
    char tail[64];
    int n = snprintf(tail, sizeof tail, "steps %llu\nend %llu\n", (unsigned long long)p->steps,
                     (unsigned long long)p->made);
    out_write(p, tail, (size_t)n);
    out_close(p);
  }
  free(p->d);
  p->d = NULL;
  p->nd = p->dcap = p->pos = 0;
}
