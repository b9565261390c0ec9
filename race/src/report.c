/* Reports: each distinct race (variable, R, W') once on stderr, named by
 * symbols (the executable's ELF symbol table for variables, addr2line over
 * its DWARF for lines and functions), filtered by the suppressions file;
 * and the exit status at the end. */
#include <elf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt.h"

static char exe[4096];
static uintptr_t bias; /* the executable's load address (PIE) */
static unsigned nraces;
static int exit_code = 66;
static char **supp;
static size_t nsupp;

static int first_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size, (void)data;
  bias = info->dlpi_addr;
  return 1; /* the first is the executable */
}

static void load_suppressions(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "tasktrace: race: cannot read TASKTRACE_RACE_SUPPRESS=%s\n", path);
    return;
  }
  char line[512];
  while (fgets(line, sizeof line, f) != NULL) {
    char *s = line + strspn(line, " \t");
    s[strcspn(s, "\r\n")] = '\0';
    if (*s == '\0' || *s == '#')
      continue;
    if (strncmp(s, "race:", 5) == 0)
      s += 5;
    supp = rt_xrealloc(supp, (nsupp + 1) * sizeof *supp);
    supp[nsupp++] = strdup(s);
  }
  fclose(f);
}

static void at_exit(void) {
  if (nraces > 0 && exit_code != 0) {
    fflush(NULL);
    _exit(exit_code);
  }
}

void rt_report_init(void) {
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  dl_iterate_phdr(first_object, NULL);
  const char *e = getenv("TASKTRACE_RACE_EXITCODE");
  if (e != NULL && *e != '\0')
    exit_code = atoi(e);
  const char *s = getenv("TASKTRACE_RACE_SUPPRESS");
  if (s != NULL && *s != '\0')
    load_suppressions(s);
  atexit(at_exit);
}

unsigned tt_race_count(void) __attribute__((visibility("default")));
unsigned tt_race_count(void) { return nraces; }

/* ---- Symbols ---- */

/* The data symbol holding addr: its name and start, from .symtab. */
static bool var_symbol(uintptr_t addr, char *name, size_t cap, uintptr_t *start) {
  int fd = open(exe, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) {
    if (fd >= 0)
      close(fd);
    return false;
  }
  const uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED)
    return false;
  bool found = false;
  const Elf64_Ehdr *eh = (const void *)m;
  const Elf64_Shdr *sh = (const void *)(m + eh->e_shoff);
  uintptr_t a = addr - bias;
  for (int i = 0; i < eh->e_shnum && !found; i++) {
    if (sh[i].sh_type != SHT_SYMTAB)
      continue;
    const Elf64_Sym *sym = (const void *)(m + sh[i].sh_offset);
    const char *str = (const char *)(m + sh[sh[i].sh_link].sh_offset);
    for (size_t j = 0; j < sh[i].sh_size / sizeof *sym; j++) {
      if (ELF64_ST_TYPE(sym[j].st_info) != STT_OBJECT || a < sym[j].st_value ||
          a >= sym[j].st_value + (sym[j].st_size ? sym[j].st_size : 1))
        continue;
      snprintf(name, cap, "%s", str + sym[j].st_name);
      *start = sym[j].st_value + bias;
      found = true;
      break;
    }
  }
  munmap((void *)m, (size_t)st.st_size);
  return found;
}

typedef struct where {
  char fn[128];
  char line[512]; /* file:line */
} where;

/* file:line and function of a code address, from DWARF via addr2line. */
static void code_site(uintptr_t pc, where *w) {
  snprintf(w->fn, sizeof w->fn, "?");
  snprintf(w->line, sizeof w->line, "%.400s+0x%lx", exe, (unsigned long)(pc - bias));
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "addr2line -f -e '%s' 0x%lx 2>/dev/null", exe,
           (unsigned long)(pc - bias));
  FILE *p = popen(cmd, "r");
  if (p == NULL)
    return;
  char fn[128] = "", ln[512] = "";
  if (fgets(fn, sizeof fn, p) != NULL && fgets(ln, sizeof ln, p) != NULL) {
    fn[strcspn(fn, "\n")] = '\0';
    ln[strcspn(ln, " \n")] = '\0'; /* drop " (discriminator N)" */
    if (strncmp(ln, "??", 2) != 0) {
      char cwd[4096];
      const char *l = ln;
      size_t n = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
      if (n > 0 && strncmp(l, cwd, n) == 0 && l[n] == '/')
        l += n + 1;
      snprintf(w->line, sizeof w->line, "%s", l);
    }
    if (fn[0] != '\0' && strcmp(fn, "??") != 0)
      snprintf(w->fn, sizeof w->fn, "%s", fn);
  }
  pclose(p);
}

/* ---- Reports ---- */

static struct {
  uintptr_t var, r, w2;
} *seen;
static size_t nseen;

static bool seen_before(uintptr_t var, uintptr_t r, uintptr_t w2) {
  for (size_t i = 0; i < nseen; i++)
    if (seen[i].var == var && seen[i].r == r && seen[i].w2 == w2)
      return true;
  seen = rt_xrealloc(seen, (nseen + 1) * sizeof *seen);
  seen[nseen].var = var, seen[nseen].r = r, seen[nseen].w2 = w2;
  nseen++;
  return false;
}

static bool matches(const char *pat, const char *s) {
  if (fnmatch(pat, s, 0) == 0)
    return true;
  const char *base = strrchr(s, '/');
  return base != NULL && fnmatch(pat, base + 1, 0) == 0;
}

static bool suppressed(const char *var, const where *const *sites, int n) {
  for (size_t i = 0; i < nsupp; i++) {
    if (matches(supp[i], var))
      return true;
    for (int j = 0; j < n; j++) {
      char file[512];
      snprintf(file, sizeof file, "%s", sites[j]->line);
      char *colon = strrchr(file, ':');
      if (colon != NULL)
        *colon = '\0';
      if (matches(supp[i], sites[j]->fn) || matches(supp[i], file))
        return true;
    }
  }
  return false;
}

static void describe(char *buf, size_t cap, const rt_task *t) {
  snprintf(buf, cap, "task '%s' (id %llu, spawned at %s)", t ? t->name : "?",
           (unsigned long long)(t ? t->id : 0), t && t->site ? t->site : "?");
}

void rt_report(const rt_race *r) {
  char var[256];
  uintptr_t start = r->addr;
  bool named = var_symbol(r->addr, var, sizeof var, &start);
  size_t heap_size = 0;
  uintptr_t heap_pc = 0;
  bool heap = !named && rt_heap_block(r->addr, &start, &heap_size, &heap_pc);
  if (seen_before(start, r->r_pc, r->w2_pc))
    return;
  where R, W, W2;
  code_site(r->r_pc, &R);
  code_site(r->w_pc, &W);
  code_site(r->w2_pc, &W2);
  /* A stale check is a check-then-act: the check and the act in one
   * function. A read in a helper that returned before the yield (an
   * assertion, a log line) is no check the write acts on. */
  if (r->kind == RT_STALE_CHECK && strcmp(R.fn, W2.fn) != 0)
    return;
  if (heap) {
    where A; /* the call's line: its return address is just past it */
    code_site(heap_pc - 1, &A);
    snprintf(var, sizeof var, "heap block of %zu bytes allocated at %.150s (in %.60s)", heap_size,
             A.line, A.fn);
  } else if (!named) {
    snprintf(var, sizeof var, "memory read at %.200s", R.line); /* by its access sites */
  }
  const where *sites[] = {&R, &W, &W2};
  if (suppressed(var, sites, 3))
    return;
  nraces++;
  char a[160], b[160], off[48] = "";
  describe(a, sizeof a, r->a);
  describe(b, sizeof b, r->b);
  if ((named || heap) && r->addr != start)
    snprintf(off, sizeof off, " (+%lu)", (unsigned long)(r->addr - start));
  const char *kind = r->kind == RT_LOST_UPDATE ? "lost update" : "stale check";
  fprintf(stderr,
          "tasktrace: race: %s on '%s'%s (%s)\n"
          "  %s\n"
          "    read it at %s (%s)\n"
          "    yielded at %s\n"
          "  %s\n"
          "    wrote it at %s (%s)%s\n"
          "  then the first task wrote it at %s (%s)%s\n",
          kind, var, off,
          r->predicted ? "predicted: the write could fall between the read and the write back"
                       : "observed",
          a, R.line, R.fn, r->y_site ? r->y_site : "(a yield point, site unknown)", b, W.line,
          W.fn, r->predicted ? ", not ordered against that span by any hand-off" : "",
          W2.line, W2.fn,
          r->kind == RT_LOST_UPDATE ? " without reading it again"
                                    : ", acting on the check it read before yielding");
  char what[2048];
  snprintf(what, sizeof what,
           "%s on '%.200s'%s (%s): read at %.200s, yielded at %.200s, written by task '%s' at %.200s, "
           "written back at %.200s",
           kind, var, off, r->predicted ? "predicted" : "observed", R.line,
           r->y_site ? r->y_site : "?", r->b ? r->b->name : "?", W.line, W2.line);
  tt__race_event(r->a ? r->a->id : 0, r->b ? r->b->id : 0, r->read_ts, what);
}
