/* tt-gen-trace: write a synthetic but runtime-faithful .ttrace file with the
 * collector's writer, for the viewer's tests and benchmarks.
 *
 *   tt-gen-trace -o FILE [-n EVENTS] [-t TASKS] [-s SEED] [--evil] [--lost] [--forever]
 *
 * One loop thread runs TASKS tasks the way runtime/src/sched.c does: each
 * loop iteration polls, wakes the sleepers whose time has come, then runs
 * the ready batch; a task yields, sleeps, or takes the shared lock and
 * sleeps holding it, so the others contend and get the lock handed to them
 * on release. Tasks finish and are replaced, so task ids keep growing.
 * --evil names tasks and the lock with markup and control characters;
 * --lost drops a stretch of events and records it as a `lost` event;
 * --forever: tasks never finish (a few lanes, very many intervals each).
 * --hostile: the program, task, lock, mark and site names carry terminal
 * escapes (ESC [2J, OSC title), a newline, C1 CSI (\xc2\x9b) and U+202E.
 * --creates: only TASKS task_create events (one name, very compressible):
 * a small file that declares very many tasks.
 * Same arguments, same file contents (timestamps are simulated).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasktrace/ttrace.h"

enum { READY, SLEEPING, LOCKWAIT, DONE };

typedef struct task {
  uint64_t id;
  int state;
  uint64_t wake_at; /* SLEEPING: loop iteration to wake at */
  int holding;      /* holds the lock */
  int steps;        /* steps left before finishing */
  uint64_t wait_from;
} task;

static uint64_t rng = 1;
static uint64_t rnd(void) {
  uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static tt_writer *w;
static uint64_t now = 1000000000ull, written, limit, next_id = 1;
static uint32_t pid = 4242;
static int lost_mode, dropping, forever;

static void ev(unsigned type, uint64_t a, uint64_t b, uint64_t c, uint64_t d, const char *s2,
               const char *s3) {
  tt_trace_event e = {.type = type, .pid = pid, .tid = pid, .ts = now};
  e.u[0] = a, e.u[1] = b, e.u[2] = c, e.u[3] = d;
  e.s[2] = s2;
  e.s[3] = s3;
  if (type == TT_EV_mark || type == TT_EV_region_begin || type == TT_EV_region_end)
    e.s[1] = s2, e.s[2] = NULL;
  now += 50 + rnd() % 400;
  /* --lost: drop 1000 events a third of the way in, then say so. */
  if (lost_mode && written == limit / 3 && !dropping) {
    dropping = 1000;
  }
  if (dropping > 0) {
    if (--dropping == 0) {
      tt_trace_event l = {.type = TT_EV_lost, .pid = pid, .tid = pid, .ts = now};
      l.u[0] = 1000;
      tt_writer_event(w, &l);
      written++;
      lost_mode = 0;
    }
    return;
  }
  if (tt_writer_event(w, &e) < 0) {
    fprintf(stderr, "tt-gen-trace: write failed\n");
    exit(1);
  }
  written++;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"evil", no_argument, NULL, 'e'},
                                       {"lost", no_argument, NULL, 'l'},
                                       {"forever", no_argument, NULL, 'f'},
                                       {"hostile", no_argument, NULL, 'H'},
                                       {"creates", no_argument, NULL, 'C'},
                                       {0}};
  const char *out = NULL;
  uint64_t ntasks = 8;
  int evil = 0, hostile = 0, creates = 0, c;
  limit = 10000;
  while ((c = getopt_long(argc, argv, "o:n:t:s:", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'n': limit = strtoull(optarg, NULL, 10); break;
    case 't': ntasks = strtoull(optarg, NULL, 10); break;
    case 's': rng = strtoull(optarg, NULL, 10); break;
    case 'e': evil = 1; break;
    case 'l': lost_mode = 1; break;
    case 'f': forever = 1; break;
    case 'H': hostile = 1; break;
    case 'C': creates = 1; break;
    default:
      fprintf(stderr, "usage: tt-gen-trace -o FILE [-n EVENTS] [-t TASKS] [-s SEED] [--evil] [--lost] [--forever] [--hostile] [--creates]\n");
      return 2;
    }
  }
  if (out == NULL || ntasks == 0 || ntasks > (creates ? 100000000 : 10000000)) {
    fprintf(stderr, "usage: tt-gen-trace -o FILE [-n EVENTS] [-t TASKS] [-s SEED] [--evil] [--lost] [--forever]\n");
    return 2;
  }
  tt_proc_info pi = {.pid = pid, .start_mono_ns = now};
  /* What a hostile producer names things: clear screen, window title,
   * fake red text, a newline, C1 CSI, right-to-left override. */
  static const char bad[] = "\x1b[2J\x1b]0;pwned\x07\x1b[31mFAKE\nline\xc2\x9b" "31m\xe2\x80\xaetxt.exe";
  snprintf(pi.program, sizeof pi.program, "%s", hostile ? bad : "gen");
  int r = tt_writer_open(&w, out, &pi, NULL);
  if (r < 0) {
    fprintf(stderr, "tt-gen-trace: %s: %s\n", out, strerror(-r));
    return 1;
  }
  if (creates) { /* ntasks tasks, nothing else */
    for (uint64_t i = 0; i < ntasks; i++)
      ev(TT_EV_task_create, next_id++, 0, 0, 0, "t", "s");
    limit = written;
  }
  const uint64_t lock = next_id++;
  ev(TT_EV_object_name, 0, TT_KIND_loop, 0, 0, "loop", NULL);
  ev(TT_EV_object_name, lock, TT_KIND_lock, 0, 0,
     hostile ? bad : evil ? "<img src=x onerror=alert(1)>" : "db-lock", NULL);
  task *t = calloc(creates ? 1 : ntasks, sizeof *t);
  uint64_t *ready = calloc(creates ? 1 : ntasks, sizeof *ready),
           *waitq = calloc(creates ? 1 : ntasks, sizeof *waitq);
  size_t nready = 0, nwait = 0, whead = 0;
  uint64_t holder = 0, hold_since = 0; /* index + 1 */
  char name[64];
  for (uint64_t i = 0; i < ntasks && !creates; i++) {
    t[i].id = next_id++;
    t[i].steps = 5 + (int)(rnd() % 20);
    if (evil && i % 2 == 0)
      snprintf(name, sizeof name, "</script><script>alert(%llu)</script>\x1b[31m", (unsigned long long)i);
    else if (hostile)
      snprintf(name, sizeof name, "%s%llu", bad, (unsigned long long)i);
    else
      snprintf(name, sizeof name, "worker-%llu", (unsigned long long)i);
    ev(TT_EV_task_create, t[i].id, 0, 0, 0, name, hostile ? bad : "gen_trace.c:1");
    ready[nready++] = i;
  }
  uint64_t iter = 0;
  while (written < limit) {
    iter++;
    ev(TT_EV_loop_poll_begin, 0, 1000000, 0, 0, NULL, NULL);
    now += rnd() % 20000;
    ev(TT_EV_loop_poll_end, 0, 0, 0, 0, NULL, NULL);
    for (uint64_t i = 0; i < ntasks; i++)
      if (t[i].state == SLEEPING && t[i].wake_at <= iter) {
        t[i].state = READY;
        ev(TT_EV_task_wake, t[i].id, 0, 0, 0, NULL, NULL);
        ready[nready++] = i;
      }
    size_t batch = nready;
    uint64_t *run = malloc((batch ? batch : 1) * sizeof *run);
    memcpy(run, ready, batch * sizeof *run);
    nready = 0;
    uint64_t prev = 0, prev_obj = 0;
    unsigned prev_why = TT_STATE_start;
    for (size_t b = 0; b < batch; b++) {
      task *k = &t[run[b]];
      /* As sched.c: a task that stops switches straight to the next one. */
      ev(TT_EV_task_switch, prev, k->id, prev ? prev_why : TT_STATE_start, prev ? prev_obj : 0,
         NULL, NULL);
      now += rnd() % 5000; /* the step runs a while */
      if (rnd() % 50 == 0)
        ev(TT_EV_mark, k->id, 0, 0, 0, hostile ? bad : evil ? "<b>mark</b>" : "checkpoint", NULL);
      if (k->state == LOCKWAIT) { /* woken by a hand-off: it holds the lock now */
        ev(TT_EV_lock_acquired, lock, k->id, now - k->wait_from, 0, NULL, NULL);
        k->state = READY;
      } else if (k->holding) {
        /* Back from sleeping with the lock: release, hand it to the first
         * waiter (it holds it before it even runs). */
        k->holding = 0;
        ev(TT_EV_lock_released, lock, k->id, now - hold_since, 0, NULL, NULL);
        holder = 0;
        if (nwait > 0) {
          uint64_t wi = waitq[whead];
          whead = (whead + 1) % ntasks;
          nwait--;
          ev(TT_EV_task_wake, t[wi].id, k->id, lock, 0, NULL, NULL);
          t[wi].holding = 1;
          holder = wi + 1;
          hold_since = now;
          ready[nready++] = wi;
        }
      }
      uint64_t dice = rnd() % 10;
      unsigned why;
      uint64_t obj = 0;
      if (!forever && --k->steps <= 0 && !k->holding) {
        ev(TT_EV_task_exit, k->id, TT_EXIT_OK, 0, 0, NULL, NULL);
        why = TT_STATE_done;
        k->state = DONE;
      } else if (k->holding || dice < 3) {
        /* Sleep (with the lock if held: the others will contend). */
        why = TT_STATE_sleep;
        k->state = SLEEPING;
        k->wake_at = iter + 1 + rnd() % 3;
      } else if (dice < 6) {
        why = TT_STATE_yield;
        ready[nready++] = run[b];
      } else if (holder == 0) {
        /* Take the free lock (uncontended: no event) and sleep holding it. */
        holder = run[b] + 1;
        hold_since = now;
        k->holding = 1;
        why = TT_STATE_sleep;
        k->state = SLEEPING;
        k->wake_at = iter + 1 + rnd() % 3;
      } else {
        ev(TT_EV_lock_contended, lock, k->id, t[holder - 1].id, 0, NULL, NULL);
        k->state = LOCKWAIT;
        k->wait_from = now;
        waitq[(whead + nwait++) % ntasks] = run[b];
        why = TT_STATE_lock;
        obj = lock;
      }
      if (rnd() % 2000 == 0)
        ev(TT_EV_slow_step, k->id, 150000000 + rnd() % 100000000, 0, 0,
           hostile ? bad : "gen_trace.c:slow", NULL);
      prev = k->id;
      prev_why = why;
      prev_obj = obj;
      if (k->state == DONE) {
        /* Replace it with a fresh task, spawned by the one finishing. */
        k->id = next_id++;
        k->state = READY;
        k->steps = 5 + (int)(rnd() % 20);
        if (evil && run[b] % 2 == 0)
          snprintf(name, sizeof name, "<script>alert(%llu)</script>", (unsigned long long)k->id);
        else
          snprintf(name, sizeof name, "worker-%llu", (unsigned long long)k->id);
        ev(TT_EV_task_create, k->id, prev, 0, 0, name, "gen_trace.c:2");
        ready[nready++] = run[b];
      }
    }
    if (prev)
      ev(TT_EV_task_switch, prev, 0, prev_why, prev_obj, NULL, NULL);
    free(run);
  }
  free(t);
  free(ready);
  free(waitq);
  r = tt_writer_close(w);
  if (r < 0) {
    fprintf(stderr, "tt-gen-trace: %s: %s\n", out, strerror(-r));
    return 1;
  }
  fprintf(stderr, "tt-gen-trace: %s: %llu events\n", out, (unsigned long long)written);
  return 0;
}
