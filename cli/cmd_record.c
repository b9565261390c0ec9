/* `tasktrace record -o FILE.ttrace -- PROGRAM ARGS`: run PROGRAM with an
 * embedded collector for its lifetime (no daemon), on a private socket in a
 * fresh 0700 directory; forward its exit status. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "cli.h"
#include "cliutil.h"
#include "tasktrace/ttrace.h"
#include "tt_base.h"

/* Escape an untrusted string (a path, an argument) for one message argument. */
#define ESC(buf, s) tt_esc(buf, sizeof buf, s)

static const char help[] =
    "usage: tasktrace record [-o FILE.ttrace|-] [--level N] [--flight-recorder MIB]\n"
    "                        [--quiet] [--] PROGRAM [ARGS...]\n"
    "\n"
    "Run PROGRAM with tracing to an embedded collector and write its events to\n"
    "FILE.ttrace (default: tasktrace.ttrace); other tasktrace processes it starts\n"
    "go to FILE.PID.ttrace. The exit status is PROGRAM's (128+N if a signal N\n"
    "ended it), or 1 when PROGRAM succeeded but its trace could not be written.\n"
    "SIGINT/SIGTERM are passed on to PROGRAM; a second one kills it and ends record.\n"
    "Every file is created new and 0600. An existing FILE (a regular file of yours)\n"
    "is kept as FILE.old, replacing an older FILE.old, as perf does; FILE's\n"
    "directory must not be writable by others unless it is sticky. -o - writes\n"
    "the trace to standard output (not a terminal), PROGRAM's own output going\n"
    "to stderr; of several processes only the first one's trace is written.\n";

extern char **environ;

static struct {
  char **argv;
  char **env; /* PROGRAM's environment */
  tt_collector_opts o;
  char dir[128], sock[160], env_entry[192];
  char first[4096]; /* the first process's file */
  int64_t status;
  int term_sig;
  int spawn_err;
  int quiet;  /* no summary line */
  int failed; /* a file could not be written */
  int signals; /* SIGINT/SIGTERM received */
  int to_stdout; /* -o -: the trace is written in dir, then copied to stdout */
  char stdout_file[256];
  tt_event exited;
  uv_process_t proc;
} rec;

static void on_exit_cb(uv_process_t *p, int64_t status, int sig) {
  rec.status = status;
  rec.term_sig = sig;
  tt_event_set(&rec.exited);
  uv_close((uv_handle_t *)p, NULL);
}

/* The first SIGINT/SIGTERM goes to PROGRAM, as if record were not there;
 * the second kills it: record always ends, whatever PROGRAM does with the
 * first. */
static void on_signal(uv_signal_t *h, int sig) {
  (void)h;
  uv_process_kill(&rec.proc, ++rec.signals > 1 ? SIGKILL : sig);
}

static int record_main(void *arg) {
  (void)arg;
  tt_collector *c;
  int r = tt__collector_start(&c, &rec.o);
  if (r < 0)
    return r;
  tt_event_init(&rec.exited, "child-exited");
  char **env = rec.env;
  uv_stdio_container_t stdio[3] = {{UV_INHERIT_FD, {.fd = 0}},
                                   {UV_INHERIT_FD, {.fd = rec.to_stdout ? 2 : 1}},
                                   {UV_INHERIT_FD, {.fd = 2}}};
  uv_process_options_t po = {.exit_cb = on_exit_cb, .file = rec.argv[0], .args = rec.argv,
                             .env = env, .stdio_count = 3, .stdio = stdio};
  uv_loop_t *loop = tt_loop_uv(tt_loop_current());
  r = env ? uv_spawn(loop, &rec.proc, &po) : -ENOMEM;
  if (r < 0) {
    char e1[600];
    fprintf(stderr, "tasktrace record: cannot run %s: %s\n", ESC(e1, rec.argv[0]),
            uv_strerror(r));
    rec.spawn_err = 1;
    tt__collector_stop(c, TT_NOWAIT, NULL);
    tt_event_close(&rec.exited);
    return 0;
  }
  static uv_signal_t sigs[2]; /* libuv owns them until closed: outlive the task */
  const int which[2] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; i++) {
    uv_signal_init(loop, &sigs[i]);
    uv_signal_start(&sigs[i], on_signal, which[i]);
  }
  tt_event_wait(&rec.exited, TT_FOREVER);
  for (int i = 0; i < 2; i++)
    uv_close((uv_handle_t *)&sigs[i], NULL);
  /* The program is gone; its connection ends as soon as its last bytes are
   * read. Wait a little for that (and for processes it left behind). */
  tt_collector_stats st;
  const char *first = tt__collector_first_file(c);
  snprintf(rec.first, sizeof rec.first, "%s", first ? first : "");
  tt__collector_stop(c, tt_after_ms(3000), &st);
  rec.failed = st.failed > 0;
  char e1[600], e2[600];
  /* The totals are what the files hold, all of them (the daemon counts
   * them at close: a flight recorder's only what its ring kept). */
  if (rec.failed)
    fprintf(stderr, "tasktrace record: %s could not be written whole (see above)\n",
            ESC(e1, rec.first[0] ? rec.first : rec.o.out_path));
  else if (!rec.quiet) {
    if (st.connections == 0)
      fprintf(stderr, "tasktrace record: %s sent no events (not a tasktrace program?); "
                      "nothing written\n", ESC(e1, rec.argv[0]));
    else
      fprintf(stderr,
              "tasktrace record: wrote %s: %" PRIu64 " events (%" PRIu64 " lost), %" PRIu64
              " bytes, %.2f bytes/event%s%s%s\n",
              rec.to_stdout ? "-" : ESC(e1, rec.first[0] ? rec.first : rec.o.out_path),
              st.events, st.lost, st.bytes,
              st.events ? (double)st.bytes / (double)st.events : 0.0,
              st.files > 1 ? " in " : "",
              st.files > 1 ? (snprintf(e2, sizeof e2, "%" PRIu64 " files (one per process "
                              "image: OUT.PID[.N].ttrace)", st.files), e2) : "",
              "");
  }
  tt_event_close(&rec.exited);
  return 0;
}

/* Whether someone listens on the Unix socket at path (a live record). */
static int listening(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path)
    return 1; /* cannot tell: leave it */
  strcpy(sa.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 1;
  int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
  int e = errno;
  close(fd);
  return r == 0 || (e != ECONNREFUSED && e != ENOENT);
}

/* A collector killed between binding its socket and linking it to its
 * name (collector.c, listen_socket) leaves the temporary name: in a dead
 * directory, those go too. */
static void drop_temporary_sockets(int dfd) {
  int fd = dup(dfd);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  struct dirent *de;
  struct stat st;
  while ((de = readdir(d)) != NULL)
    if (strncmp(de->d_name, ".tasktraced-", 12) == 0 &&
        fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode))
      unlinkat(dfd, de->d_name, 0);
  closedir(d);
}

/* A record killed with -9 leaves its socket directory behind: remove those
 * of ours in base, only when they are real 0700 directories of our uid
 * holding nothing but a socket no one listens on (or nothing at all, a
 * minute old: one being set up right now is left alone). */
static void clean_stale(const char *base) {
  int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (bfd < 0)
    return;
  DIR *d = fdopendir(bfd);
  if (d == NULL) {
    close(bfd);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strncmp(de->d_name, "tasktrace-record-", 17) != 0 || strlen(de->d_name) != 23)
      continue;
    struct stat st;
    if (fstatat(bfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid() || (st.st_mode & 07777) != 0700)
      continue;
    int dfd = openat(bfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
      continue;
    struct stat ss, ds;
    int has_sock = fstatat(dfd, "collector.sock", &ss, AT_SYMLINK_NOFOLLOW) == 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/collector.sock", base, de->d_name);
    int stale = has_sock ? S_ISSOCK(ss.st_mode) && !listening(path)
                         : fstat(dfd, &ds) == 0 && time(NULL) - ds.st_mtime > 60;
    if (stale && (!has_sock || unlinkat(dfd, "collector.sock", 0) == 0)) {
      drop_temporary_sockets(dfd);
      unlinkat(bfd, de->d_name, AT_REMOVEDIR); /* fails, harmlessly, if not empty */
    }
    close(dfd);
  }
  closedir(d);
}

/* The options and PROGRAM: TT__CLI_PARSED with rec.o and rec.argv set, or
 * an exit code. Options end at PROGRAM, whose own options are its own. */
static int parse_args(int argc, char **argv) {
  long level = -1, mib = 0;
  const tt__opt opts[] = {
      {.name = "output", .letter = 'o', .kind = TT__OPT_PATH, .p = &rec.o.out_path,
       .arg = "FILE", .help = "the output file"},
      {.name = "level", .kind = TT__OPT_COUNT, .p = &level, .lo = 0, .hi = 9, .arg = "N",
       .help = "zlib level 0-9 (default 1)"},
      {.name = "flight-recorder", .kind = TT__OPT_COUNT, .p = &mib, .lo = 1, .hi = 1 << 20,
       .arg = "MIB", .help = "keep only the last MIB MiB of events"},
      {.name = "quiet", .kind = TT__OPT_FLAG, .p = &rec.quiet, .help = "no summary line"},
      {0}};
  const tt__cli_spec spec = {.cmd = "record", .usage = help, .opts = opts, .in_order = 1};
  int first, rc = tt__cli_parse(&spec, argc, argv, &first);
  if (rc != TT__CLI_PARSED)
    return rc;
  rec.o.level = (int)level;
  rec.o.ring_bytes = (size_t)mib << 20;
  if (first >= argc) {
    fprintf(stderr, "tasktrace record: which program? (tasktrace record -o F.ttrace -- PROGRAM)\n");
    return TT_CLI_USAGE;
  }
  rec.argv = argv + first;
  return TT__CLI_PARSED;
}

/* An existing FILE (a regular file of ours: checked) becomes FILE.old, as
 * perf keeps perf.data.old: a second record never loses the first trace
 * silently. FILE.old is replaced only if it too is a regular file of ours
 * (rename never follows a link; in a sticky directory another user's
 * FILE.old makes the rename fail, and we say so). 0, or 1 after a message. */
static int keep_old(const char *path) {
  char old[4200], e1[600], e2[600];
  struct stat st;
  snprintf(old, sizeof old, "%s.old", path);
  if (lstat(old, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
    fprintf(stderr, "tasktrace record: -o %s: %s exists and is not a regular file of ours: "
                    "not replacing it (move it away)\n", ESC(e1, path), ESC(e2, old));
    return TT_CLI_FAIL;
  }
  if (rename(path, old) < 0) {
    int e = errno;
    fprintf(stderr, "tasktrace record: -o %s: cannot keep it as .old: %s\n", ESC(e1, path),
            strerror(e));
    return TT_CLI_FAIL;
  }
  return TT_CLI_OK;
}

/* Find out now, not after the program has run, that its trace would have
 * nowhere to go (the collector creates the files, FILE.PID.ttrace too,
 * only when a process connects; it checks FILE's directory at start). A
 * FIFO, a device or a link is never opened: opening a FIFO blocks. 0, or
 * 1 after a message. */
static int check_output(const char *path) {
  struct stat st;
  char e1[600], e2[600];
  if (lstat(path, &st) == 0) {
    const char *why = S_ISDIR(st.st_mode)    ? "is a directory (want a file name)"
                      : S_ISLNK(st.st_mode)  ? "is a symbolic link (give the file itself)"
                      : !S_ISREG(st.st_mode) ? "not a regular file"
                                             : NULL;
    if (why == NULL && st.st_uid != geteuid()) {
      snprintf(e2, sizeof e2, "owned by uid %u, not by us", (unsigned)st.st_uid);
      why = e2;
    }
    if (why) {
      fprintf(stderr, "tasktrace record: -o %s: %s\n", ESC(e1, path), why);
      return TT_CLI_FAIL;
    }
    if (keep_old(path) != TT_CLI_OK)
      return TT_CLI_FAIL;
  }
  char parent[4096];
  const char *slash = strrchr(path, '/');
  snprintf(parent, sizeof parent, "%.*s",
           slash == NULL ? 1 : slash == path ? 1 : (int)(slash - path),
           slash == NULL ? "." : path);
  if (access(parent, W_OK | X_OK) < 0) {
    int e = errno;
    fprintf(stderr, "tasktrace record: -o %s: cannot create files in %s: %s\n", ESC(e1, path),
            ESC(e2, parent), strerror(e));
    return TT_CLI_FAIL;
  }
  return TT_CLI_OK;
}

/* The private socket directory, in $TMPDIR or /tmp (after removing those
 * that killed records left). 0, or 1 after a message. */
static int make_socket_dir(void) {
  char e1[600];
  /* The socket's path must fit a sockaddr_un (108 bytes) for PROGRAM. */
  const char *tmp = getenv("TMPDIR");
  if (tmp == NULL || tmp[0] == 0 || strlen(tmp) > 60)
    tmp = "/tmp";
  clean_stale(tmp);
  snprintf(rec.dir, sizeof rec.dir, "%s/tasktrace-record-XXXXXX", tmp);
  if (mkdtemp(rec.dir) == NULL) {
    int e = errno;
    fprintf(stderr, "tasktrace record: cannot make a private directory in %s (TMPDIR): %s\n",
            ESC(e1, tmp), strerror(e));
    return TT_CLI_FAIL;
  }
  snprintf(rec.sock, sizeof rec.sock, "%s/collector.sock", rec.dir);
  snprintf(rec.env_entry, sizeof rec.env_entry, "TASKTRACE_COLLECTOR=%s", rec.sock);
  rec.o.socket_path = rec.sock;
  return TT_CLI_OK;
}

/* -o -: the first process's file to standard output, then every file
 * the collector wrote in the private directory removed (it is ours, 0700).
 * 0, or 1 after a message. */
static int write_stdout(void) {
  int rc = TT_CLI_OK, others = 0;
  if (rec.failed || rec.first[0] == 0)
    rc = TT_CLI_FAIL; /* said already */
  else
    rc = tt__copy_to_stdout("record", rec.first);
  DIR *d = opendir(rec.dir);
  struct dirent *de;
  while (d != NULL && (de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
        strcmp(de->d_name, "collector.sock") != 0) {
      char path[512];
      snprintf(path, sizeof path, "%s/%s", rec.dir, de->d_name);
      others += strcmp(path, rec.first) != 0;
      unlinkat(dirfd(d), de->d_name, 0);
    }
  if (d != NULL)
    closedir(d);
  if (others > 0)
    fprintf(stderr, "tasktrace record: -o -: %d more process%s traced; standard output takes the "
                    "first one's trace only (give -o FILE for all)\n", others, others > 1 ? "es" : "");
  return rc;
}

/* PROGRAM gets the environment as it is, the TASKTRACE_* settings being
 * meant for it, with our collector. The recorder's own runtime runs plain:
 * never recorded, no seeded scheduling, no debug warnings about its own
 * tasks mixed with PROGRAM's, no LTTng events of its own. rec.env is NULL
 * when memory ran out. */
static void split_environment(void) {
  size_t n = 0;
  while (environ[n])
    n++;
  rec.env = calloc(n + 2, sizeof *rec.env);
  size_t k = 0;
  for (size_t j = 0; rec.env && j < n; j++)
    if (strncmp(environ[j], "TASKTRACE_COLLECTOR=", 20) != 0)
      rec.env[k++] = environ[j]; /* the strings outlive unsetenv (glibc never frees them) */
  if (rec.env)
    rec.env[k] = rec.env_entry;
  static const char *const own[] = {"TASKTRACE_COLLECTOR", "TASKTRACE_DEBUG",
                                    "TASKTRACE_SLOW_MS", "TASKTRACE_LOCK_MS",
                                    "TASKTRACE_SCHED_SEED"};
  for (size_t j = 0; j < sizeof own / sizeof own[0]; j++)
    unsetenv(own[j]);
  setenv("TASKTRACE_LTTNG_PROVIDER", "", 1); /* empty: LTTng off */
}

/* record's exit status once the runtime returned r. */
static int exit_status(int r) {
  if (r < 0 || rec.spawn_err) /* already told on stderr */
    return r < 0 ? TT_CLI_FAIL : 127;
  if (rec.term_sig) {
    char e1[600];
    fprintf(stderr, "tasktrace record: %s was killed by signal %d (%s)\n", ESC(e1, rec.argv[0]),
            rec.term_sig, strsignal(rec.term_sig));
    return 128 + rec.term_sig;
  }
  /* The program's status, unless it succeeded and its trace did not. */
  return rec.status == 0 && rec.failed ? TT_CLI_FAIL : (int)rec.status;
}

int tt_cmd_record(int argc, char **argv) {
  rec.o = (tt_collector_opts){.level = -1, .out_path = "tasktrace.ttrace",
                              .quiet = 1, .log_prefix = "tasktrace record"};
  int rc = parse_args(argc, argv);
  if (rc != TT__CLI_PARSED)
    return rc;
  rec.to_stdout = strcmp(rec.o.out_path, "-") == 0;
  if (rec.to_stdout ? tt__out_stdout_ok("record") != TT_CLI_OK
                    : check_output(rec.o.out_path) != TT_CLI_OK)
    return TT_CLI_FAIL;
  if (make_socket_dir() != TT_CLI_OK)
    return TT_CLI_FAIL;
  if (rec.to_stdout) {
    snprintf(rec.stdout_file, sizeof rec.stdout_file, "%s/stdout.ttrace", rec.dir);
    rec.o.out_path = rec.stdout_file;
  }
  rec.o.quiet = 1; /* per-connection lines: errors only */
  split_environment();
  int r = tt_run(record_main, NULL);
  if (rec.to_stdout && r >= 0 && !rec.spawn_err && write_stdout() != TT_CLI_OK)
    rec.failed = 1;
  free(rec.env);
  unlink(rec.sock);
  rmdir(rec.dir);
  return exit_status(r);
}
