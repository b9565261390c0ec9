/* Private to `tasktrace explore` (cmd_explore.c, explore_run.c,
 * explore_shrink.c): runs of the program under a schedule, and schedules. */
#ifndef TT_CLI_EXPLORE_H
#define TT_CLI_EXPLORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One decision of a schedule file (docs/explore.md): 0 is FIFO. */
typedef struct ex_dec {
  char kind; /* 'o' or 'y' */
  uint32_t bound, value;
} ex_dec;

typedef struct ex_sched {
  ex_dec *d;
  size_t n;
  uint64_t steps;
  int complete; /* has its "end" line */
} ex_sched;

/* How a run ended. */
typedef struct ex_result {
  int failed;
  int started;   /* it wrote a schedule: a tasktrace loop ran */
  char sig[160]; /* the failure's signature: "same way" means the same string */
  char task[40]; /* the task an invariant violation names (its id), or "" */
} ex_result;

/* A run in flight. */
typedef struct ex_run {
  pid_t pid;
  double start;
  int killed;     /* overstayed --timeout */
  long index;
  int plain;      /* not PROGRAM (record, timeline): no ex_vt_env */
  int served;     /* started by a fork server (its status comes from there) */
  char sched[4096], out[4096]; /* its schedule file, its stdout+stderr */
} ex_run;

double ex_now(void);
/* Start argv with extra environment entries (NULL-ended "K=V"), output to
 * r->out. 0 or -errno. */
int ex_spawn(ex_run *r, char **argv, char *const *env);
/* Classify a finished run from its wait status and files. */
void ex_classify(const ex_run *r, int status, ex_result *res);
/* Run to the end (bounded by timeout seconds), classify. */
int ex_run_sync(ex_run *r, char **argv, char *const *env, double timeout, ex_result *res);

int ex_sched_read(const char *path, ex_sched *s);
int ex_sched_write(const char *path, const ex_sched *s);
size_t ex_sched_deviations(const ex_sched *s);
void ex_sched_free(ex_sched *s);

/* Shrink *s (failing as sig) towards FIFO: on return *s is the smallest
 * strict schedule found that still fails the same way. */
typedef struct ex_shrink_ctx {
  char **argv;
  const char *dir;
  double timeout;
  int max_runs;
  double max_seconds;
  int runs; /* spent */
} ex_shrink_ctx;
void ex_shrink(ex_shrink_ctx *c, ex_sched *s, const char *sig);

/* A fork server (explore_fork.c): PROGRAM started once, forking a run
 * per request at its first tt_run. */
typedef struct ex_server {
  pid_t pid; /* the server, 0 for none */
  int sock;  /* explore's end, -1 for none */
  int tried; /* started once (it is not started again) */
  int out;   /* its runs' output file, kept open from run to run (0: not yet) */
} ex_server;
/* Start one (output before tt_run to log); waits up to wait seconds for
 * its hello. 0, or <0: PROGRAM cannot serve (run it fresh instead). */
int ex_server_start(ex_server *s, char **argv, const char *log, double wait);
/* Start run r (env as ex_spawn's) in it: r->pid is the run's. 0 or <0
 * (the server is gone). */
int ex_server_run(ex_server *s, ex_run *r, char *const *env);
/* The run's wait status: 1 with *status, 0 not yet, <0 the server is gone. */
int ex_server_poll(ex_server *s, int *status);
void ex_server_stop(ex_server *s);

extern volatile int ex_interrupted;
/* "TASKTRACE_VIRTUAL_TIME=1" when explore turns virtual time on for
 * PROGRAM (the user did not set the variable), else NULL. */
extern const char *ex_vt_env;

#endif
