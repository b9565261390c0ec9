/* The LTTng-UST sink: the call sites of provider `tasktrace`.
 *
 * Tracepoint provider package pattern: this file defines the tracepoints
 * (LTTNG_UST_TRACEPOINT_DEFINE) with LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE,
 * so the program links neither liblttng-ust nor the probes. At start-up
 * lttng/tracepoint.h's constructor dlopen()s the small liblttng-ust-tracepoint
 * (nothing happens if it is absent); tt_tracer_init then dlopen()s the
 * probes, libtasktrace-lttng.so, which pulls in liblttng-ust and registers
 * with a session daemon if one runs.
 *
 * The hot path: every emission site is `if (tt__trace_on) slow()`. The
 * TT__TRACE_LTTNG bit of tt__trace_on says whether any tasktrace
 * tracepoint records (enabled, in an active session: tp_recording), folded
 * in by tt__lttng_refresh() at tracer init and once per loop iteration
 * (before the loop polls). So with
 * the provider loaded and no session enabled the sites still cost one load
 * and one branch. The price: a session started while the program runs
 * records from the loop's next iteration on, and one stopped meanwhile costs
 * a few extra calls (the tracepoint checks its own state again) until then.
 */
#include "lttng.h"

#if TT_LTTNG
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "tasktrace_tp.h"
#include <lttng/ust-events.h> /* the probes' ABI: tp_recording */

#define TT__PROVIDER_SONAME "libtasktrace-lttng.so"

#define TT__DEF_LTTNG(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                               \
  void tt__lttng_##name(TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2) TT__PN_##k3(f3)) {        \
    lttng_ust_tracepoint(tasktrace, name, f0 TT__AN_##k1(f1) TT__AN_##k2(f2) TT__AN_##k3(f3));    \
  }
TT_EVENTS(TT__DEF_LTTNG)

unsigned tt__lttng_sessions;

/* Whether tracepoint tp records now. Its state turns on at `lttng
 * enable-event`, before `lttng start`, and the probe then drops every event
 * until the session is active: a state dump made at that moment was lost
 * (a session started by hand, seconds after its events were enabled,
 * never had one). So, as the probe itself checks (lttng/ust-tracepoint-
 * event.h, the probes' ABI): one of its probes is an enabled event
 * recorder whose channel is enabled and whose session is active. The
 * probes are read as the call site reads them, under the tracepoint RCU
 * read lock. */
static int tp_recording(struct lttng_ust_tracepoint *tp) {
  if (!CMM_LOAD_SHARED(tp->state))
    return 0;
  if (lttng_ust_tracepoint_dlopen_ptr == NULL ||
      lttng_ust_tracepoint_dlopen_ptr->rcu_read_lock_sym == NULL)
    return 1; /* cannot look: as before, the state alone */
  int rec = 0;
  lttng_ust_tp_rcu_read_lock();
  struct lttng_ust_tracepoint_probe *p = lttng_ust_tp_rcu_dereference(tp->probes);
  for (; p != NULL && p->func != NULL && !rec; p++) {
    const struct lttng_ust_event_common *ev = p->data;
    if (ev == NULL || ev->type != LTTNG_UST_EVENT_TYPE_RECORDER || !CMM_LOAD_SHARED(ev->enabled))
      continue; /* a notifier (a trigger's) records nothing */
    const struct lttng_ust_event_recorder *er = ev->child;
    const struct lttng_ust_channel_common *ch = er->chan->parent;
    rec = CMM_LOAD_SHARED(ch->enabled) && CMM_LOAD_SHARED(ch->session->active);
  }
  lttng_ust_tp_rcu_read_unlock();
  return rec;
}

void tt__lttng_refresh(void) {
  int on = 0;
#define TT__STATE(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                   \
  on = on || tp_recording(&lttng_ust_tracepoint_tasktrace___##name);
  TT_EVENTS(TT__STATE)
#undef TT__STATE
  unsigned cur = __atomic_load_n(&tt__trace_on, __ATOMIC_RELAXED);
  if (on && !(cur & TT__TRACE_LTTNG)) {
    /* A session has just begun recording: each loop dumps its state
     * (tasks, objects) at its next iteration. Counted once, by the thread
     * that set the bit. */
    if (!(__atomic_fetch_or(&tt__trace_on, TT__TRACE_LTTNG, __ATOMIC_RELAXED) & TT__TRACE_LTTNG))
      __atomic_fetch_add(&tt__lttng_sessions, 1, __ATOMIC_RELEASE);
  } else if (!on && (cur & TT__TRACE_LTTNG))
    __atomic_fetch_and(&tt__trace_on, ~TT__TRACE_LTTNG, __ATOMIC_RELAXED);
}

/* ---- Where the provider may come from ----
 *
 * Loading a shared object runs its constructors as us, so a candidate is
 * loaded only if nobody else could have written it: the file and every
 * directory above it (after resolving links) owned by root or by our
 * effective uid, and not writable by group or others. A directory writable
 * by others is accepted only with the sticky bit (like /tmp): there nobody
 * else can rename or delete our entries, and the file itself still has to
 * be ours or root's. The file is opened once (O_NOFOLLOW), its fd checked
 * with fstat, and that very file loaded through /proc/self/fd/N, so no
 * swap between check and load is possible. */

static int debug_on(void) {
  const char *d = getenv("TASKTRACE_DEBUG");
  return d != NULL && strcmp(d, "1") == 0;
}

/* NULL if st (of the file, or of directory dir) is trusted, else why not. */
static const char *distrust(const struct stat *st, int is_dir, char *why, size_t cap) {
  if (st->st_uid != 0 && st->st_uid != geteuid()) {
    snprintf(why, cap, "owned by uid %lu", (unsigned long)st->st_uid);
    return why;
  }
  if ((st->st_mode & 022) && !(is_dir && (st->st_mode & S_ISVTX))) {
    snprintf(why, cap, "writable by others (mode %04o)", (unsigned)(st->st_mode & 07777));
    return why;
  }
  return NULL;
}

/* Check path's directories, from its own up to /. */
static const char *distrust_dirs(const char *path, char *why, size_t cap) {
  char real[PATH_MAX], sub[96];
  if (realpath(path, real) == NULL) {
    snprintf(why, cap, "cannot resolve it (%s)", strerror(errno));
    return why;
  }
  for (char *slash; (slash = strrchr(real, '/')) != NULL;) {
    if (slash == real)
      slash[1] = '\0'; /* "/" itself */
    else
      *slash = '\0';
    struct stat st;
    if (lstat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
      snprintf(why, cap, "directory %.*s is not a directory", (int)(cap / 2), real);
      return why;
    }
    if (distrust(&st, 1, sub, sizeof sub) != NULL) {
      char e[PATH_MAX];
      snprintf(why, cap, "directory %s %s", tt_esc(e, sizeof e, real), sub);
      return why;
    }
    if (slash == real)
      break;
  }
  return NULL;
}

/* Load path if it is trusted. 1: loaded; 0: absent (ENOENT), silently;
 * -EACCES: refused, with one line printed if loud; -ENOEXEC: not loadable. */
static int load_trusted(const char *path, int loud) {
  char why[PATH_MAX + 128], e[PATH_MAX];
  const char *bad = NULL;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return 0;
    snprintf(why, sizeof why, "%s", errno == ELOOP ? "a symbolic link" : strerror(errno));
    bad = why;
  }
  struct stat st;
  if (bad == NULL && fstat(fd, &st) < 0) {
    snprintf(why, sizeof why, "%s", strerror(errno));
    bad = why;
  }
  if (bad == NULL && !S_ISREG(st.st_mode))
    bad = "not a regular file";
  if (bad == NULL)
    bad = distrust(&st, 0, why, sizeof why);
  if (bad == NULL)
    bad = distrust_dirs(path, why, sizeof why);
  if (bad != NULL) {
    if (loud)
      fprintf(stderr, "tasktrace: not loading %s: %s\n", tt_esc(e, sizeof e, path), bad);
    if (fd >= 0)
      close(fd);
    return -EACCES;
  }
  char via[64];
  snprintf(via, sizeof via, "/proc/self/fd/%d", fd);
  void *h = dlopen(via, RTLD_NOW | RTLD_GLOBAL);
  close(fd);
  if (h == NULL) {
    if (loud)
      fprintf(stderr, "tasktrace: not loading %s: %s\n", tt_esc(e, sizeof e, path), dlerror());
    return -ENOEXEC;
  }
  return 1;
}

/* The file the runtime itself was loaded from: a shared libtasktrace, or
 * the executable when the static library is linked in. */
static int runtime_file(char *out, size_t cap) {
  Dl_info me, exe;
  if (dladdr((void *)tt__lttng_init, &me) == 0)
    return -1;
  void *phdr = (void *)getauxval(AT_PHDR);
  int in_exe = dladdr(phdr, &exe) != 0 && exe.dli_fbase == me.dli_fbase;
  if (!in_exe && me.dli_fname != NULL && me.dli_fname[0] == '/') {
    snprintf(out, cap, "%s", me.dli_fname);
    return 0;
  }
  ssize_t n = readlink("/proc/self/exe", out, cap - 1);
  if (n <= 0)
    return -1;
  out[n] = '\0';
  return 0;
}

/* Beside the runtime's file: <dir>/NAME (a shared libtasktrace installed
 * with the provider, whatever the libdir is called: lib, lib64,
 * lib/x86_64-linux-gnu), then <dir>/../lib/NAME (a program in an installed
 * prefix's bin/, and the build tree alike). Each place tried is appended
 * to tried (for the one line that says where nothing was found). */
static int load_beside_runtime(int loud, char *tried, size_t cap) {
  char file[PATH_MAX];
  if (runtime_file(file, sizeof file) < 0)
    return 0;
  char *slash = strrchr(file, '/');
  if (slash == NULL)
    return 0;
  *slash = '\0';
  static const char *const rel[] = {"/", "/../lib/"};
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s%s" TT__PROVIDER_SONAME, file, rel[i]);
    size_t n = strlen(tried);
    snprintf(tried + n, cap - n, "%s%s", n ? ", " : "", path);
    int r = load_trusted(path, loud);
    if (r > 0)
      return r;
  }
  return 0;
}

/* try(path): load path if trusted, noting it in tried. */
static int load_noted(const char *path, int loud, char *tried, size_t cap) {
  size_t n = strlen(tried);
  snprintf(tried + n, cap - n, "%s%s", n ? ", " : "", path);
  return load_trusted(path, loud);
}

static int loaded; /* 0: not yet, 1: done (whatever the outcome) */

/* TASKTRACE_LTTNG_PROVIDER=PATH: 1 loaded, or <0 (the line is printed). */
static __attribute__((noinline)) int load_named(const char *v) {
  int r = load_trusted(v, 1);
  if (r == 0) {
    char e[PATH_MAX];
    fprintf(stderr, "tasktrace: TASKTRACE_LTTNG_PROVIDER='%s': cannot load it: %s\n",
            tt_esc(e, sizeof e, v), strerror(ENOENT));
    return -ENOENT;
  }
  return r;
}

/* No TASKTRACE_LTTNG_PROVIDER: the provider from the trusted places. 1
 * loaded (or already there), 0 not found. Its own function, not inlined:
 * its 20 KiB of path buffers are a frame that stack-clash protection
 * touches page by page, which the common case (LTTng off) should not pay
 * for (under explore, 8 page faults of every run). */
static __attribute__((noinline)) int load_found(void) {
  /* Already there (LD_PRELOAD, or linked in): loading a second copy would
   * register the provider twice. */
  if (dlopen(TT__PROVIDER_SONAME, RTLD_NOW | RTLD_NOLOAD) != NULL)
    return 1;
  /* A refused candidate is skipped, silently unless in debug mode. */
  int loud = debug_on();
  char tried[4 * PATH_MAX] = "";
  if (load_beside_runtime(loud, tried, sizeof tried) > 0)
    return 1;
#ifdef TT_LTTNG_PROVIDER_INSTALL
  if (load_noted(TT_LTTNG_PROVIDER_INSTALL, loud, tried, sizeof tried) > 0)
    return 1;
#endif
#ifdef TT_LTTNG_PROVIDER_BUILD
  /* The build tree's provider, for the programs of the build tree only (its
   * tests and examples): never for an installed or out-of-tree program. */
  char file[PATH_MAX];
  if (runtime_file(file, sizeof file) == 0 &&
      strncmp(file, TT_BUILD_DIR, strlen(TT_BUILD_DIR)) == 0 &&
      load_noted(TT_LTTNG_PROVIDER_BUILD, loud, tried, sizeof tried) > 0)
    return 1;
#endif
  /* No provider: LTTng tracing stays off, as documented. LTTng is on this
   * machine (liblttng-ust-tracepoint loaded), so in debug mode say why no
   * tasktrace:* event will be recorded and how to fix it. */
  if (loud) {
    char e[sizeof tried];
    fprintf(stderr,
            "tasktrace: LTTng: no tasktrace:* events will be recorded: " TT__PROVIDER_SONAME
            " is not in %s; set TASKTRACE_LTTNG_PROVIDER to its path\n",
            tt_esc(e, sizeof e, tried));
  }
  return 0;
}

void tt__lttng_retire(void) {
  /* The registration tracepoint.h's constructor made: undone here, and its
   * count left one above its destructors' so that at exit neither
   * unregisters again nor dlcloses liblttng-ust-tracepoint. */
  struct lttng_ust_tracepoint_dlopen *d = lttng_ust_tracepoint_dlopen_ptr;
  if (d == NULL || d->liblttngust_handle == NULL || d->lttng_ust_tracepoint_module_unregister == NULL ||
      lttng_ust_tracepoint_ptrs_registered != 1)
    return;
  d->lttng_ust_tracepoint_module_unregister(__start_lttng_ust_tracepoints_ptrs);
  lttng_ust_tracepoint_ptrs_registered++;
  __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE); /* and no provider is loaded after */
}

int tt__lttng_init(void) {
  if (__atomic_exchange_n(&loaded, 1, __ATOMIC_ACQ_REL))
    goto out;
  /* No liblttng-ust-tracepoint on this machine: LTTng is not installed, the
   * probes could not load either. */
  if (lttng_ust_tracepoint_dlopen_ptr == NULL ||
      lttng_ust_tracepoint_dlopen_ptr->liblttngust_handle == NULL)
    return 0;
  const char *v = getenv("TASKTRACE_LTTNG_PROVIDER");
  int r = v == NULL ? load_found() : *v == '\0' ? 0 /* explicitly off */ : load_named(v);
  if (r <= 0)
    return r;
out:
  tt__lttng_refresh();
  return 0;
}
#endif
