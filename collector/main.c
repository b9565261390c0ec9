/* tasktraced: the collector daemon. Options are checked one by one, each
 * bad one named in a one-line error; signals arrive on the loop through
 * libuv (SIGTERM/SIGINT: flush, close, exit; SIGHUP: reopen the files). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tt_base.h"
#include "collector.h"
#include "tasktrace/ttrace.h"

static const char usage_text[] =
    "usage: tasktraced --socket PATH --dir DIR [--level N] [--flight-recorder MIB]\n"
    "                  [--max-connections N] [--handshake-timeout MS] [--max-string-mib N]\n"
    "                  [--quiet]\n"
    "\n"
    "Collect the native event streams of tasktrace programs (run them with\n"
    "TASKTRACE_COLLECTOR=PATH) into one compressed .ttrace file per process,\n"
    "named PROGRAM-PID-STARTTIME.ttrace, in DIR.\n"
    "\n"
    "  --socket PATH          Unix socket to listen on; its directory is made 0700\n"
    "                         if missing and must be ours, 0700, not a symbolic link\n"
    "  --dir DIR              where the files go (created 0700 if missing; refused\n"
    "                         when others can write to it and it is not sticky)\n"
    "  --level N              zlib level 0-9 (default 1: fastest, see README)\n"
    "  --flight-recorder MIB  keep only the last MIB MiB of each process, written\n"
    "                         when it disconnects or on SIGTERM\n"
    "  --max-connections N    producers connected at once (default 256); more are\n"
    "                         refused, and the refusals logged once per burst\n"
    "  --handshake-timeout MS close a connection silent this long before its hello\n"
    "                         (default 5000)\n"
    "  --max-string-mib N     distinct strings kept per connection (default 64); a\n"
    "                         producer past it is disconnected (logged), its file\n"
    "                         ending whole\n"
    "  --quiet                log only errors\n"
    "\n"
    "SIGTERM/SIGINT: flush and close every file, exit. SIGHUP: close the files and\n"
    "continue in new ones (NAME~1.ttrace, ...); a new file that cannot be written is\n"
    "removed and the old one kept.\n";

static tt_collector_opts opts = {.level = -1, .log_prefix = "tasktraced"};
static tt_event stop_ev;
static int hup_pending;
static tt_event hup_ev;

static int parse_int(const char *opt, const char *v, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || end == v || *end || n < lo || n > hi) {
    char e[200];
    fprintf(stderr, "tasktraced: %s: '%s' is not a number from %ld to %ld\n", opt,
            tt_esc(e, sizeof e, v), lo, hi);
    return -1;
  }
  *out = n;
  return 0;
}

static void on_signal(uv_signal_t *h, int sig) {
  if (sig == SIGHUP) {
    hup_pending = 1;
    tt_event_set(&hup_ev);
  } else {
    tt_event_set(&stop_ev);
  }
}

static int hup_main(void *arg) {
  tt_collector *c = arg;
  for (;;) {
    if (tt_event_wait(&hup_ev, TT_FOREVER) < 0)
      return 0;
    tt_event_clear(&hup_ev);
    if (hup_pending) {
      hup_pending = 0;
      if (tt__collector_reopen(c) == -ECANCELED)
        return 0; /* stopping: the cancel must not be lost */
    }
  }
}

static int daemon_main(void *arg) {
  (void)arg;
  tt_event_init(&stop_ev, "stop");
  tt_event_init(&hup_ev, "hup");
  /* Static: libuv still owns them until their close completes, after this
   * task's stack is gone. Caught before the socket appears: a SIGTERM the
   * moment a client can see it is a clean stop (it killed the collector
   * outright, leaving its socket behind, when it came first). */
  static uv_signal_t sigs[3];
  const int which[3] = {SIGTERM, SIGINT, SIGHUP};
  for (int i = 0; i < 3; i++) {
    uv_signal_init(tt_loop_uv(tt_loop_current()), &sigs[i]);
    uv_signal_start(&sigs[i], on_signal, which[i]);
  }
  tt_collector *c;
  int r = tt__collector_start(&c, &opts);
  if (r < 0) {
    for (int i = 0; i < 3; i++)
      uv_close((uv_handle_t *)&sigs[i], NULL);
    tt_event_close(&stop_ev);
    tt_event_close(&hup_ev);
    return r;
  }
  tt_task *hup;
  tt_spawn(&hup, hup_main, c, "sighup");
  if (!opts.quiet) {
    char e1[600], e2[600];
    fprintf(stderr, "tasktraced: listening on %s, writing to %s\n",
            tt_esc(e1, sizeof e1, opts.socket_path), tt_esc(e2, sizeof e2, opts.dir));
  }
  tt_event_wait(&stop_ev, TT_FOREVER);
  tt_cancel(hup);
  tt_join(hup, NULL, TT_FOREVER);
  tt_collector_stats st;
  tt__collector_stop(c, TT_NOWAIT, &st);
  for (int i = 0; i < 3; i++)
    uv_close((uv_handle_t *)&sigs[i], NULL);
  if (!opts.quiet)
    fprintf(stderr,
            "tasktraced: stopped: %llu connections, %llu events, %llu lost, %llu bytes written\n",
            (unsigned long long)st.connections, (unsigned long long)st.events,
            (unsigned long long)st.lost, (unsigned long long)st.bytes);
  tt_event_close(&stop_ev);
  tt_event_close(&hup_ev);
  return 0;
}

/* The value v of the option names[k] (main's table) into opts. 0, or the
 * usage exit code after a message. */
static int set_option(int k, const char *a, const char *v) {
  long n;
  switch (k) {
  case 0:
    if (v[0] == 0) {
      fprintf(stderr, "tasktraced: --socket: empty path\n");
      return 2;
    }
    opts.socket_path = v;
    break;
  case 1:
    if (v[0] == 0) {
      fprintf(stderr, "tasktraced: --dir: empty path\n");
      return 2;
    }
    opts.dir = v;
    break;
  case 2:
    if (parse_int(a, v, 0, 9, &n) < 0)
      return 2;
    opts.level = (int)n;
    break;
  case 3:
    if (parse_int(a, v, 1, 1 << 20, &n) < 0)
      return 2;
    opts.ring_bytes = (size_t)n << 20;
    break;
  case 4:
    if (parse_int(a, v, 1, 1 << 20, &n) < 0)
      return 2;
    opts.max_connections = (int)n;
    break;
  case 5:
    if (parse_int(a, v, 1, 3600000, &n) < 0)
      return 2;
    opts.hello_timeout_ms = (int)n;
    break;
  case 6:
    if (parse_int(a, v, 1, 1 << 20, &n) < 0)
      return 2;
    opts.max_string_bytes = (size_t)n << 20;
    break;
  }
  return 0;
}

/* The command line into opts: -1 to go on, or an exit code (0 after
 * --help, 2 after a message). */
static int parse_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage_text, stdout);
      return 0;
    }
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
      printf("tasktraced %s\n", TT_VERSION);
      return 0;
    }
    if (strcmp(a, "--quiet") == 0) {
      opts.quiet = 1;
      continue;
    }
    const char *names[] = {"--socket", "--dir", "--level", "--flight-recorder",
                           "--max-connections", "--handshake-timeout", "--max-string-mib"};
    int k = -1;
    for (int j = 0; j < 7; j++)
      if (strcmp(a, names[j]) == 0)
        k = j;
    if (k < 0) {
      char e[200];
      fprintf(stderr, "tasktraced: unknown option '%s' (tasktraced --help lists them)\n",
              tt_esc(e, sizeof e, a));
      return 2;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "tasktraced: %s needs a value\n", a);
      return 2;
    }
    if (set_option(k, a, argv[++i]) != 0)
      return 2;
  }
  if (opts.socket_path == NULL || opts.dir == NULL) {
    fprintf(stderr, "tasktraced: %s is required (tasktraced --help)\n",
            opts.socket_path == NULL ? "--socket PATH" : "--dir DIR");
    return 2;
  }
  return -1;
}

/* --dir: made here when missing; the collector then opens it without
 * following a link and checks who else may write to it. 0, or the usage
 * exit code after a message. */
static int check_dir(void) {
  struct stat st;
  char e[600];
  if (lstat(opts.dir, &st) < 0) {
    /* Made by another collector meanwhile (EEXIST) is as good: the
     * collector checks what it opens (collector.c, output_dir). */
    if (errno != ENOENT || (mkdir(opts.dir, 0700) < 0 && errno != EEXIST)) {
      fprintf(stderr, "tasktraced: --dir %s: %s\n", tt_esc(e, sizeof e, opts.dir),
              strerror(errno));
      return 2;
    }
  } else if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
    fprintf(stderr, "tasktraced: --dir %s: not a directory\n", tt_esc(e, sizeof e, opts.dir));
    return 2;
  }
  return 0;
}

int main(int argc, char **argv) {
  int rc = parse_args(argc, argv);
  if (rc >= 0)
    return rc;
  if (check_dir() != 0)
    return 2;
  /* Never trace the collector into itself. */
  unsetenv("TASKTRACE_COLLECTOR");
  /* Every failure has been told already (by the collector, or by tt_run
   * for a bad TASKTRACE_* variable). */
  return tt_run(daemon_main, NULL) < 0 ? 1 : 0;
}
