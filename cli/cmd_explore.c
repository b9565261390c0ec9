/* `tasktrace explore -- PROGRAM ARGS`: run PROGRAM under one schedule after
 * another until one fails; then confirm, shrink, save, record and show it
 * (docs/explore.md). Runs are fork/exec'd, --jobs at once. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "explore.h"

static const char usage[] =
    "usage: tasktrace explore [--runs N] [--time SECONDS] [--jobs J]\n"
    "                         [--strategy pct|random|portfolio] [--depth D] [--seed S]\n"
    "                         [--timeout SECONDS] [--out DIR] [--json] -- PROGRAM [ARGS...]\n"
    "\n"
    "Run PROGRAM again and again, each run under another schedule (the first in\n"
    "plain FIFO order), until a run fails: a non-zero exit, a signal, a deadlock\n"
    "report, a broken invariant (tt_invariant_add), or a run that overstays\n"
    "--timeout (a hang). Then replay its schedule to confirm it, shrink it to the\n"
    "fewest deviations from FIFO order that still fail the same way, save it and\n"
    "a trace of the shrunk run in DIR, print the replay command and a timeline.\n"
    "Runs fork from PROGRAM's fork server (started once per job, at its first\n"
    "tt_run) and run under virtual time (TASKTRACE_VIRTUAL_TIME=1, unless set).\n"
    "\n"
    "  --runs N          at most N runs (default 10000)\n"
    "  --time SECONDS    at most this long exploring (default 60)\n"
    "  --jobs J          runs at once (default: the number of cores)\n"
    "  --strategy S      pct, random or portfolio (alternating; the default)\n"
    "  --depth D         pct's bug depth: D-1 priority change points (default 3)\n"
    "  --seed S          the exploration's seed: the same seed, the same runs\n"
    "                    (default: from the clock, printed)\n"
    "  --timeout SECONDS a run longer than this is a hang (default 10)\n"
    "  --out DIR         where the schedule and trace go (default tasktrace-explore)\n"
    "  --json            print one JSON object as the last line\n"
    "  --find-only       stop at the first failure: no confirming, shrinking, trace\n"
    "  --exec            start every run with a fresh exec of PROGRAM, not from its\n"
    "                    fork server (a program that does things before tt_run that\n"
    "                    must differ from run to run, or starts threads before it)\n"
    "\n"
    "Exit status: 0 no failure found, 1 a failure found, 2 bad usage or PROGRAM\n"
    "cannot be explored (not found, not a tasktrace program).\n";

typedef struct opts {
  long runs, jobs, depth;
  double time, timeout;
  unsigned long long seed;
  int strategy; /* 0 portfolio, 1 pct, 2 random */
  int json, find_only, exec;
  const char *out;
  char **argv;
} opts;

typedef struct state {
  opts o;
  char tmp[64], self[PATH_MAX], out[PATH_MAX];
  long runs, failures, first_fail;
  uint64_t max_steps, *seen;
  size_t nseen, capseen;
  double t0, t1; /* the exploration's start and end (runs/s) */
  ex_result fail;
  char fail_strategy[24];
  int lenient; /* a hang's schedule is a prefix: FIFO after its end */
} state;

static int bad(const char *fmt, const char *arg) {
  fprintf(stderr, "tasktrace explore: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  return TT_CLI_USAGE;
}

static int num(const char *opt, const char *v, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !(x >= lo && x <= hi)) {
    fprintf(stderr, "tasktrace explore: %s: '%s' is not a number from %g to %g\n", opt, v, lo, hi);
    return -1;
  }
  *out = x;
  return 0;
}

static int parse(int argc, char **argv, opts *o) {
  static const struct option lo[] = {
      {"runs", 1, NULL, 'n'},  {"time", 1, NULL, 't'},    {"jobs", 1, NULL, 'j'},
      {"strategy", 1, NULL, 's'}, {"depth", 1, NULL, 'd'}, {"seed", 1, NULL, 'S'},
      {"timeout", 1, NULL, 'T'}, {"out", 1, NULL, 'o'},    {"json", 0, NULL, 'J'},
      {"find-only", 0, NULL, 'F'}, {"exec", 0, NULL, 'X'}, {"help", 0, NULL, 'h'},  {0}};
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  *o = (opts){.runs = 10000, .jobs = ncpu > 0 ? ncpu : 1, .depth = 3, .time = 60, .timeout = 10,
              .seed = (unsigned long long)time(NULL), .out = "tasktrace-explore"};
  double x;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
    if (c == 'h') {
      fputs(usage, stdout);
      return -1 - TT_CLI_OK;
    } else if (c == 'n' || c == 'j' || c == 'd') {
      if (num(c == 'n' ? "--runs" : c == 'j' ? "--jobs" : "--depth", optarg, 1,
              c == 'n' ? 1e9 : c == 'j' ? 256 : 64, &x) < 0 || x != (long)x)
        return -1 - TT_CLI_USAGE;
      *(c == 'n' ? &o->runs : c == 'j' ? &o->jobs : &o->depth) = (long)x;
    } else if (c == 't' || c == 'T') {
      if (num(c == 't' ? "--time" : "--timeout", optarg, 0.001, 1e7, c == 't' ? &o->time : &o->timeout) < 0)
        return -1 - TT_CLI_USAGE;
    } else if (c == 'S') {
      char *end;
      errno = 0;
      o->seed = strtoull(optarg, &end, 10);
      if (errno || end == optarg || *end || optarg[0] == '-')
        return -1 - bad("--seed: '%s' is not an unsigned decimal integer", optarg);
    } else if (c == 's') {
      o->strategy = !strcmp(optarg, "portfolio") ? 0 : !strcmp(optarg, "pct") ? 1 : !strcmp(optarg, "random") ? 2 : -1;
      if (o->strategy < 0)
        return -1 - bad("--strategy: '%s': expected pct, random or portfolio", optarg);
    } else if (c == 'o') {
      o->out = optarg;
    } else if (c == 'J') {
      o->json = 1;
    } else if (c == 'F') {
      o->find_only = 1;
    } else if (c == 'X') {
      o->exec = 1;
    } else {
      return -1 - bad("unknown option '%s' (tasktrace explore --help)", argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return -1 - bad("%s", "no PROGRAM to explore (tasktrace explore [OPTIONS] -- PROGRAM ARGS)");
  o->argv = argv + optind;
  return 0;
}

static uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Run i's environment: run 0 is plain FIFO, the others pct or random. */
static const char *run_env(state *st, long i, char *sched, size_t size) {
  /* mix(seed + i) would make exploration seed s+1 run s's schedules
   * shifted by one (the benchmark's 20 seeds all found depth 3 in the one
   * same run): each seed its own stream. */
  uint64_t seed = mix(mix(st->o.seed) + (uint64_t)i) % 1000000000000ull;
  int pct = st->o.strategy == 1 || (st->o.strategy == 0 && i % 2 == 1);
  if (i == 0) {
    snprintf(sched, size, "TASKTRACE_SCHED=fifo");
    return "fifo";
  }
  if (pct)
    snprintf(sched, size, "TASKTRACE_SCHED=pct:%llu:%ld:%llu", (unsigned long long)seed,
             st->o.depth, (unsigned long long)(st->max_steps ? st->max_steps : 1));
  else
    snprintf(sched, size, "TASKTRACE_SCHED=random:%llu", (unsigned long long)seed);
  return pct ? "pct" : "random";
}

/* Count distinct schedules (by hash) and learn pct's K from their steps. */
static void note_schedule(state *st, const char *path) {
  ex_sched s;
  if (ex_sched_read(path, &s) < 0)
    return;
  if (s.steps > st->max_steps)
    st->max_steps = s.steps;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < s.n; i++)
    h = (h ^ ((uint64_t)s.d[i].kind << 40 ^ (uint64_t)s.d[i].bound << 20 ^ s.d[i].value)) *
        1099511628211ull;
  ex_sched_free(&s);
  h |= 1;
  if (2 * (st->nseen + 1) > st->capseen) {
    size_t cap = st->capseen ? 2 * st->capseen : 1024;
    uint64_t *n = calloc(cap, sizeof *n);
    if (n == NULL)
      return;
    for (size_t i = 0; i < st->capseen; i++)
      for (size_t j = st->seen[i] % cap; st->seen[i]; j = (j + 1) % cap)
        if (!n[j]) {
          n[j] = st->seen[i];
          break;
        }
    free(st->seen);
    st->seen = n;
    st->capseen = cap;
  }
  for (size_t j = h % st->capseen;; j = (j + 1) % st->capseen) {
    if (st->seen[j] == h)
      return;
    if (!st->seen[j]) {
      st->seen[j] = h;
      st->nseen++;
      return;
    }
  }
}

static void progress(state *st, int final) {
  double dt = ex_now() - st->t0;
  if (!final && !isatty(2))
    return;
  fprintf(stderr, "%sexplore: %ld runs, %.0f runs/s, %zu distinct schedules, %ld failures%s",
          isatty(2) ? "\r" : "", st->runs, dt > 0 ? (double)st->runs / dt : 0.0, st->nseen,
          st->failures, final ? "\n" : "");
}

static void on_sigint(int sig) {
  (void)sig;
  ex_interrupted = 1;
}

/* A finished run: count it; keep the lowest-numbered failure (so that a
 * seed explores the same way whatever order parallel runs end in). */
static void finished(state *st, ex_run *r, const ex_result *res, const char *strategy) {
  if (ex_interrupted && r->killed)
    return; /* stopped by Ctrl-C, not a hang */
  st->runs++;
  note_schedule(st, r->sched);
  if (!res->failed)
    return;
  st->failures++;
  if (st->first_fail >= 0 && st->first_fail < r->index)
    return;
  st->first_fail = r->index;
  st->fail = *res;
  snprintf(st->fail_strategy, sizeof st->fail_strategy, "%s", strategy);
  char cmd[3 * PATH_MAX];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s/fail.sched' 2>/dev/null; cp '%s' '%s/fail.log'", r->sched,
           st->tmp, r->out, st->tmp);
  if (system(cmd) != 0)
    fprintf(stderr, "tasktrace explore: could not keep the failing run's files\n");
}

/* Slot k's next run, through its fork server if it has one (started at
 * its first run; --exec or a program that cannot serve: a fresh exec). */
static int start_run(state *st, ex_server *srv, ex_run *r, long k, char *const *e) {
  if (!st->o.exec && !srv->tried) {
    srv->tried = 1;
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/server-%ld.log", st->tmp, k);
    if (ex_server_start(srv, st->o.argv, log, st->o.timeout < 5 ? st->o.timeout : 5) < 0)
      srv->sock = -1; /* no server for this slot */
  }
  r->served = srv->sock >= 0 && ex_server_run(srv, r, e) == 0;
  return r->served ? 0 : ex_spawn(r, st->o.argv, e);
}

/* The runs that ended: from the servers, then from waitpid. */
static long reap(state *st, ex_server *srv, ex_run *slot, const char **strat) {
  long ended = 0;
  int status;
  for (long k = 0; k < st->o.jobs; k++) {
    if (slot[k].pid == 0 || !slot[k].served)
      continue;
    int got = ex_server_poll(&srv[k], &status);
    if (got < 0) { /* the server is gone: the run is lost, not a failure */
      kill(-slot[k].pid, SIGKILL);
      slot[k].pid = 0;
      ended++;
    } else if (got == 1) {
      slot[k].pid = 0;
      ended++;
      ex_result res;
      ex_classify(&slot[k], status, &res);
      finished(st, &slot[k], &res, strat[k]);
    }
  }
  pid_t w;
  while ((w = waitpid(-1, &status, WNOHANG)) > 0)
    for (long k = 0; k < st->o.jobs; k++)
      if (slot[k].pid == w && !slot[k].served) {
        slot[k].pid = 0;
        ended++;
        ex_result res;
        ex_classify(&slot[k], status, &res);
        finished(st, &slot[k], &res, strat[k]);
      }
  return ended;
}

/* Wait a little for a run to end: on the servers' sockets when every run
 * in flight is served (woken at once), else 100 us (waitpid is polled). */
static void nap(const state *st, const ex_server *srv, const ex_run *slot) {
  struct pollfd p[256];
  nfds_t n = 0;
  int plain = 0;
  for (long k = 0; k < st->o.jobs; k++) {
    if (slot[k].pid == 0)
      continue;
    if (slot[k].served)
      p[n++] = (struct pollfd){.fd = srv[k].sock, .events = POLLIN};
    else
      plain = 1;
  }
  struct timespec ts = {0, plain || n == 0 ? 100000 : 5000000};
  if (n == 0)
    nanosleep(&ts, NULL);
  else
    ppoll(p, n, &ts, NULL);
}

/* Runs 1.. in parallel until a failure, the budget or Ctrl-C. */
static void explore(state *st) {
  long J = st->o.jobs, next = 1;
  ex_run *slot = calloc((size_t)J, sizeof *slot);
  ex_server *srv = calloc((size_t)J, sizeof *srv);
  char (*env)[96] = calloc((size_t)J, sizeof *env), (*outv)[4200] = calloc((size_t)J, sizeof *outv);
  const char **strat = calloc((size_t)J, sizeof *strat);
  if (!slot || !srv || !env || !outv || !strat)
    goto out;
  for (long k = 0; k < J; k++)
    srv[k].sock = -1;
  long live = 0;
  double last = 0;
  for (;;) {
    int stop = ex_interrupted || st->first_fail >= 0 || next >= st->o.runs ||
               ex_now() - st->t0 > st->o.time;
    for (long k = 0; k < J && !stop; k++) {
      if (slot[k].pid != 0)
        continue;
      snprintf(slot[k].sched, sizeof slot[k].sched, "%s/run-%ld.sched", st->tmp, k);
      snprintf(slot[k].out, sizeof slot[k].out, "%s/run-%ld.log", st->tmp, k);
      snprintf(outv[k], sizeof outv[k], "TASKTRACE_SCHEDULE_OUT=%s", slot[k].sched);
      strat[k] = run_env(st, next, env[k], sizeof env[k]);
      char *e[] = {env[k], outv[k], NULL};
      slot[k].index = next;
      if (start_run(st, &srv[k], &slot[k], k, e) == 0) {
        live++;
        next++;
      }
      stop = next >= st->o.runs;
    }
    if (live == 0 && stop)
      break;
    long ended = reap(st, srv, slot, strat);
    live -= ended;
    double now = ex_now();
    for (long k = 0; k < J; k++)
      if (slot[k].pid != 0 && !slot[k].killed && (now - slot[k].start > st->o.timeout || ex_interrupted)) {
        kill(-slot[k].pid, SIGKILL);
        slot[k].killed = 1;
      }
    if (now - last > 0.25) {
      progress(st, 0);
      last = now;
    }
    if (ended == 0)
      nap(st, srv, slot);
  }
out:
  for (long k = 0; srv != NULL && k < J; k++)
    ex_server_stop(&srv[k]);
  free(slot);
  free(srv);
  free(env);
  free(outv);
  free(strat);
}

/* Shell-quote s into the line. */
static void quote(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++)
    if (*s == '\'')
      fputs("'\\''", f);
    else
      fputc(*s, f);
  fputc('\'', f);
}

static void replay_cmd(FILE *f, const state *st, const char *sched) {
  if (ex_vt_env != NULL)
    fprintf(f, "%s ", ex_vt_env);
  fputs(st->lenient ? "TASKTRACE_SCHEDULE_LENIENT=1 TASKTRACE_SCHEDULE=" : "TASKTRACE_SCHEDULE=", f);
  quote(f, sched);
  for (char **a = st->o.argv; *a; a++) {
    fputc(' ', f);
    quote(f, *a);
  }
}

/* Strict replay of path: does it fail as sig? */
static int reproduces(state *st, const char *path, const char *sig) {
  char e[4200];
  ex_run r = {0};
  snprintf(e, sizeof e, "TASKTRACE_SCHEDULE=%s", path);
  snprintf(r.sched, sizeof r.sched, "%s/confirm.sched", st->tmp);
  snprintf(r.out, sizeof r.out, "%s/confirm.log", st->tmp);
  char out[4200];
  snprintf(out, sizeof out, "TASKTRACE_SCHEDULE_OUT=%s", r.sched);
  char *env[] = {e, out, st->lenient ? "TASKTRACE_SCHEDULE_LENIENT=1" : NULL, NULL};
  ex_result res;
  return ex_run_sync(&r, st->o.argv, env, st->o.timeout, &res) == 0 && res.failed &&
         strcmp(res.sig, sig) == 0;
}

/* Send sig to the children of pid (PROGRAM under record). */
static void kill_children(pid_t pid, int sig) {
  char path[300], buf[512];
  DIR *d = opendir("/proc");
  struct dirent *de;
  while (d != NULL && (de = readdir(d)) != NULL) {
    pid_t c = (pid_t)atoi(de->d_name);
    if (c <= 0)
      continue;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)c);
    FILE *f = fopen(path, "r");
    if (f == NULL)
      continue;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    int ppid = 0;
    if (rp != NULL && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == pid)
      kill(c, sig);
  }
  if (d != NULL)
    closedir(d);
}

/* Record the run of schedule under `tasktrace record`. A hang is stopped
 * with SIGABRT to PROGRAM: its tracer flushes on a crash, so the trace shows
 * where the tasks hang; then SIGINT, then SIGKILL. */
static int record_trace(state *st, const char *sched, const char *trace) {
  size_t n = 0;
  while (st->o.argv[n])
    n++;
  char **argv = calloc(n + 10, sizeof *argv);
  if (argv == NULL)
    return -1;
  /* record is a tasktrace program too: the schedule is for PROGRAM only. */
  char e[4200];
  snprintf(e, sizeof e, "TASKTRACE_SCHEDULE=%s", sched);
  char *pre[] = {st->self, "record", "--quiet", "-o", (char *)trace, "--", "env", e,
                 (char *)ex_vt_env, "TASKTRACE_SCHEDULE_LENIENT=1"};
  size_t npre = 8;
  if (ex_vt_env != NULL)
    npre++;
  if (st->lenient)
    pre[npre++] = "TASKTRACE_SCHEDULE_LENIENT=1";
  memcpy(argv, pre, npre * sizeof *argv);
  memcpy(argv + npre, st->o.argv, n * sizeof *argv);
  char *env[] = {NULL};
  ex_run r = {.plain = 1};
  snprintf(r.sched, sizeof r.sched, "%s/record.sched", st->tmp);
  snprintf(r.out, sizeof r.out, "%s/record.log", st->tmp);
  int status = 0, err = ex_spawn(&r, argv, env);
  free(argv);
  if (err < 0)
    return -1;
  int sent = 0;
  while (waitpid(r.pid, &status, WNOHANG) != r.pid) {
    double dt = ex_now() - r.start;
    if (sent == 0 && (dt > st->o.timeout || ex_interrupted))
      sent = 1, kill_children(r.pid, SIGABRT);
    else if (sent == 1 && dt > st->o.timeout + 2)
      sent = 2, kill(r.pid, SIGINT);
    else if (sent == 2 && dt > st->o.timeout + 5)
      sent = 3, kill(-r.pid, SIGKILL);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  struct stat sb;
  return stat(trace, &sb) == 0 && sb.st_size > 0 ? 0 : -1;
}

/* The focused timeline: the task an invariant names, else every task. */
static void show_timeline(state *st, const char *trace) {
  char *argv[] = {st->self, "timeline", "--color", "never", "--width", "100", "--task",
                  st->fail.task, (char *)trace, NULL};
  if (st->fail.task[0] == '\0') {
    argv[6] = (char *)trace;
    argv[7] = NULL;
  }
  ex_run r = {.plain = 1};
  snprintf(r.sched, sizeof r.sched, "%s/timeline.sched", st->tmp);
  snprintf(r.out, sizeof r.out, "%s/timeline.txt", st->tmp);
  char *env[] = {NULL};
  ex_result res;
  if (ex_run_sync(&r, argv, env, 30, &res) < 0)
    return;
  FILE *f = fopen(r.out, "r");
  char line[1024];
  while (f != NULL && fgets(line, sizeof line, f) != NULL)
    fputs(line, stdout);
  if (f != NULL)
    fclose(f);
}

/* The failing run's own words: its tasktrace: lines (at most 12). */
static void show_log(state *st) {
  char path[PATH_MAX + 16], line[1024];
  snprintf(path, sizeof path, "%s/fail.log", st->tmp);
  FILE *f = fopen(path, "r");
  for (int n = 0; f != NULL && n < 12 && fgets(line, sizeof line, f) != NULL;)
    if (strncmp(line, "tasktrace: seeded", 17) != 0 && (n++, 1))
      printf("  | %s", line);
  if (f != NULL)
    fclose(f);
}

typedef struct found {
  size_t orig, shrunk, orig_len, shrunk_len;
  int reproduced, traced;
  char sched[PATH_MAX + 32], trace[PATH_MAX + 32];
} found;

static void report_failure(state *st, found *fd) {
  const char *sig = st->fail.sig;
  char orig[PATH_MAX + 16];
  snprintf(orig, sizeof orig, "%s/fail.sched", st->tmp);
  ex_sched s;
  if (ex_sched_read(orig, &s) < 0)
    memset(&s, 0, sizeof s);
  fd->orig = ex_sched_deviations(&s);
  fd->orig_len = s.n;
  printf("explore: run %ld (%s) failed: %s\n", st->first_fail, st->fail_strategy, sig);
  show_log(st);
  st->lenient = strncmp(sig, "hang", 4) == 0;
  snprintf(fd->sched, sizeof fd->sched, "%s/failure.schedule", st->out);
  fd->reproduced = !st->o.find_only && reproduces(st, orig, sig);
  if (st->o.find_only) {
    fd->shrunk = fd->orig;
    fd->shrunk_len = fd->orig_len;
    if (ex_sched_write(fd->sched, &s) < 0)
      fprintf(stderr, "tasktrace explore: cannot write %s\n", fd->sched);
    ex_sched_free(&s);
    printf("explore: schedule: %s (not confirmed: --find-only)\n", fd->sched);
    return;
  }
  if (fd->reproduced) {
    ex_shrink_ctx c = {.argv = st->o.argv, .dir = st->tmp, .timeout = st->o.timeout,
                       .max_runs = 500, .max_seconds = 120};
    if (strncmp(sig, "hang", 4) == 0)
      c.max_runs = 8; /* each try of a hang costs a whole timeout */
    ex_sched keep = {.n = s.n, .steps = s.steps, .complete = s.complete};
    keep.d = malloc((s.n ? s.n : 1) * sizeof *keep.d);
    if (keep.d != NULL)
      memcpy(keep.d, s.d, s.n * sizeof *s.d);
    ex_shrink(&c, &s, sig);
    if (ex_sched_write(fd->sched, &s) < 0 || !reproduces(st, fd->sched, sig)) {
      ex_sched_free(&s); /* the shrunk one does not replay: keep the original */
      s = keep;
      keep.d = NULL;
    }
    ex_sched_free(&keep);
    printf("explore: its schedule reproduces it; shrunk from %zu to %zu deviations from FIFO "
           "order in %d runs\n", fd->orig, ex_sched_deviations(&s), c.runs);
  } else {
    printf("explore: its schedule did NOT reproduce it: PROGRAM is not deterministic under a "
           "schedule (real I/O, clocks, threads?); kept unshrunk\n");
  }
  fd->shrunk = ex_sched_deviations(&s);
  fd->shrunk_len = s.n;
  if (ex_sched_write(fd->sched, &s) < 0)
    fprintf(stderr, "tasktrace explore: cannot write %s\n", fd->sched);
  ex_sched_free(&s);
  snprintf(fd->trace, sizeof fd->trace, "%s/failure.ttrace", st->out);
  fd->traced = record_trace(st, fd->sched, fd->trace) == 0;
  if (fd->traced)
    show_timeline(st, fd->trace);
  printf("explore: schedule: %s\n", fd->sched);
  printf("explore: trace:    %s%s\n", fd->trace, fd->traced ? "" : " (could not be recorded)");
  printf("explore: replay:   ");
  replay_cmd(stdout, st, fd->sched);
  printf("\n");
}

static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      printf("\\u%04x", *s);
    else
      putchar(*s);
  }
  putchar('"');
}

static void print_json(state *st, const found *fd) {
  printf("{\"runs\":%ld,\"failures\":%ld,\"seed\":%llu,\"distinct_schedules\":%zu,"
         "\"runs_per_second\":%.1f,", st->runs, st->failures, st->o.seed, st->nseen,
         st->runs / (st->t1 - st->t0 > 0 ? st->t1 - st->t0 : 1));
  if (fd == NULL) {
    printf("\"first_failure_run\":null,\"failure\":null,\"replay\":null,\"schedule\":null,"
           "\"trace\":null,\"original_decisions\":null,\"shrunk_decisions\":null}\n");
    return;
  }
  printf("\"first_failure_run\":%ld,\"failure\":", st->first_fail);
  json_str(st->fail.sig);
  printf(",\"reproduced\":%s,\"replay\":", fd->reproduced ? "true" : "false");
  char *cmd = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&cmd, &len);
  if (m != NULL) {
    replay_cmd(m, st, fd->sched);
    fclose(m);
  }
  json_str(cmd ? cmd : "");
  free(cmd);
  printf(",\"schedule\":");
  json_str(fd->sched);
  printf(",\"trace\":");
  if (fd->traced)
    json_str(fd->trace);
  else
    printf("null");
  printf(",\"original_decisions\":%zu,\"shrunk_decisions\":%zu,\"original_length\":%zu,"
         "\"shrunk_length\":%zu}\n", fd->orig, fd->shrunk, fd->orig_len, fd->shrunk_len);
}

/* Run 0, alone and in FIFO order: is PROGRAM there, a tasktrace program,
 * failing without any help? */
static int first_run(state *st) {
  ex_run r = {.index = 0};
  char env0[96], out[4200];
  snprintf(r.sched, sizeof r.sched, "%s/run-0.sched", st->tmp);
  snprintf(r.out, sizeof r.out, "%s/run-0.log", st->tmp);
  snprintf(out, sizeof out, "TASKTRACE_SCHEDULE_OUT=%s", r.sched);
  run_env(st, 0, env0, sizeof env0);
  char *env[] = {env0, out, NULL};
  ex_result res;
  if (ex_run_sync(&r, st->o.argv, env, st->o.timeout, &res) < 0)
    return bad("cannot fork: %s", strerror(errno));
  if (ex_interrupted)
    return 0;
  if (!res.started && !res.failed) {
    printf("explore: %s never started a tasktrace loop (it exited 0 without calling tt_run): "
           "not a tasktrace program, nothing to explore\n", st->o.argv[0]);
    return TT_CLI_USAGE;
  }
  if (!res.started && !r.killed) {
    char line[1024];
    FILE *f = fopen(r.out, "r");
    if (f != NULL && fgets(line, sizeof line, f) != NULL &&
        strncmp(line, "tasktrace explore: cannot run", 29) == 0) {
      fputs(line, stderr);
      fclose(f);
      return TT_CLI_USAGE;
    }
    if (f != NULL)
      fclose(f);
    printf("explore: %s failed (%s) without ever starting a tasktrace loop: not a tasktrace "
           "program (or it fails before tt_run); nothing to explore\n", st->o.argv[0], res.sig);
    return TT_CLI_USAGE;
  }
  finished(st, &r, &res, "plain FIFO");
  return 0;
}

static int explore_main(state *st) {
  int rc = first_run(st);
  if (rc != 0)
    return rc;
  if (st->first_fail < 0)
    explore(st);
  st->t1 = ex_now();
  progress(st, 1);
  found fd = {0};
  if (st->first_fail >= 0) {
    report_failure(st, &fd);
    rc = TT_CLI_FAIL;
  } else {
    printf("explore: no failure in %ld runs (%zu distinct schedules, up to %llu steps a run, "
           "strategy %s, seed %llu)%s\n", st->runs, st->nseen, (unsigned long long)st->max_steps,
           st->o.strategy == 1 ? "pct" : st->o.strategy == 2 ? "random" : "portfolio",
           st->o.seed, ex_interrupted ? "; interrupted" : "");
    if (st->nseen <= 1 && st->runs > 1)
      printf("explore: every run took the same schedule: nothing in PROGRAM races (no two "
             "tasks were ever ready at once)\n");
  }
  if (st->o.json)
    print_json(st, st->first_fail >= 0 ? &fd : NULL);
  return ex_interrupted && st->first_fail < 0 ? 130 : rc;
}

/* The runs' files (schedules, output) live in a private directory made
 * afresh. In /dev/shm when that is a tmpfs: every run creates, truncates
 * and closes its files, and on a disk file system (ext4 here) that costs an
 * inode allocation and a forced writeback at each close of a truncated
 * file (auto_da_alloc), a good part of a short run. Else in /tmp. */
static int make_tmp(char *dir, size_t size) {
  struct statfs sf;
  if (statfs("/dev/shm", &sf) == 0 && sf.f_type == TMPFS_MAGIC) {
    snprintf(dir, size, "/dev/shm/tasktrace-explore-XXXXXX");
    if (mkdtemp(dir) != NULL)
      return 0;
  }
  snprintf(dir, size, "/tmp/tasktrace-explore-XXXXXX");
  return mkdtemp(dir) != NULL ? 0 : -1;
}

int tt_cmd_explore(int argc, char **argv) {
  static state st;
  int r = parse(argc, argv, &st.o);
  if (r < 0)
    return -1 - r;
  st.first_fail = -1;
  /* Virtual time is on for PROGRAM unless the user says otherwise. */
  ex_vt_env = getenv("TASKTRACE_VIRTUAL_TIME") == NULL ? "TASKTRACE_VIRTUAL_TIME=1" : NULL;
  ssize_t n = readlink("/proc/self/exe", st.self, sizeof st.self - 1);
  if (n <= 0)
    return bad("%s", "cannot find its own executable (/proc/self/exe)");
  st.self[n] = '\0';
  if (mkdir(st.o.out, 0700) < 0 && errno != EEXIST)
    return bad("--out: cannot create '%s'", st.o.out);
  if (realpath(st.o.out, st.out) == NULL)
    return bad("--out: '%s' is not usable", st.o.out);
  if (make_tmp(st.tmp, sizeof st.tmp) < 0)
    return bad("cannot create a directory in /tmp: %s", strerror(errno));
  struct sigaction sa = {.sa_handler = on_sigint};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  st.t0 = ex_now();
  fflush(stdout);
  r = explore_main(&st);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", st.tmp);
  if (system(cmd) != 0)
    fprintf(stderr, "tasktrace explore: could not remove %s\n", st.tmp);
  free(st.seen);
  return r;
}
