/* Library planting (issue 8, item 1): a tasktrace program must not load a
 * libtasktrace-lttng.so that someone else could have written. The planted
 * library is a real shared object whose constructor creates a marker file;
 * the victim is a copy of a real tasktrace program (static runtime) placed
 * so that <exe dir>/../lib is the planted directory. */
#include <sys/stat.h>
#include <unistd.h>

#include "tt_test.h"

static void copy(const char *src, const char *dst, mode_t mode) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod %o '%s'", src, dst, (unsigned)mode, dst);
  ASSERT_EQ(system(cmd), 0);
}

static char marker[4200];

/* <base>/lib/libtasktrace-lttng.so (the plant) and <base>/X/prog. */
static void plant(const char *base, char *prog, size_t cap) {
  char d[4300], lib[4400];
  snprintf(d, sizeof d, "%s/lib", base);
  ASSERT_OK(mkdir(d, 0755));
  snprintf(lib, sizeof lib, "%s/libtasktrace-lttng.so", d);
  char src[4200];
  snprintf(src, sizeof src, "%s/../lib/libtt-plant.so", tt_test_bin("."));
  copy(src, lib, 0755);
  snprintf(d, sizeof d, "%s/X", base);
  ASSERT_OK(mkdir(d, 0755));
  snprintf(prog, cap, "%s/prog", d);
  copy(tt_test_bin("tt-lttng-prog"), prog, 0755);
  snprintf(marker, sizeof marker, "%s/marker", tt_test_tmpdir());
}

static int run(const char *prog, const char *extra, char **out) {
  char menv[4300];
  snprintf(menv, sizeof menv, "TT_PLANT_MARKER=%s", marker);
  char *argv[] = {(char *)prog, "contention", NULL};
  char *env[] = {menv, (char *)extra, NULL};
  return tt_test_spawn(argv, env, out, 30);
}

static void chown_tree(const char *base, uid_t uid, gid_t gid) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "chown -R %lu:%lu '%s/lib'", (unsigned long)uid, (unsigned long)gid,
           base);
  ASSERT_EQ(system(cmd), 0);
}

/* The attack of the issue: the attacker owns <sticky shared dir>/lib. */
TEST(attacker_plant_beside_exe) {
  uid_t uid;
  gid_t gid;
  tt_test_attacker(&uid, &gid);
  const char *shared = tt_test_shared_dir("shared", 01777);
  char prog[4400], *out;
  plant(shared, prog, sizeof prog);
  chown_tree(shared, uid, gid);
  ASSERT_EQ(run(prog, NULL, &out), 0);
  ASSERT_TRUE(access(marker, F_OK) != 0); /* the planted constructor did not run */
  free(out);
  /* Debug mode says why it was skipped. */
  ASSERT_EQ(run(prog, "TASKTRACE_DEBUG=1", &out), 0);
  ASSERT_TRUE(access(marker, F_OK) != 0);
  char want[256];
  snprintf(want, sizeof want, "/X/../lib/libtasktrace-lttng.so: owned by uid %lu\n",
           (unsigned long)uid);
  ASSERT_CONTAINS(out, "tasktrace: not loading ");
  ASSERT_CONTAINS(out, want);
  free(out);
  /* Named explicitly, it is refused out loud and the program stops. */
  char env[4400];
  snprintf(env, sizeof env, "TASKTRACE_LTTNG_PROVIDER=%s/lib/libtasktrace-lttng.so", shared);
  ASSERT_NE(run(prog, env, &out), 0);
  ASSERT_TRUE(access(marker, F_OK) != 0);
  ASSERT_CONTAINS(out, want + strlen("/X/.."));
  free(out);
}

/* Our own file, but in a directory anyone can write to (no sticky bit):
 * anyone could have replaced it. */
TEST(plant_in_open_directory) {
  const char *open_dir = tt_test_shared_dir("open", 0777);
  char prog[4400], *out;
  plant(open_dir, prog, sizeof prog);
  ASSERT_EQ(run(prog, "TASKTRACE_DEBUG=1", &out), 0);
  ASSERT_TRUE(access(marker, F_OK) != 0);
  ASSERT_CONTAINS(out, "/open writable by others (mode 0777)\n");
  free(out);
}

/* A file writable by others, in a directory that is fine. */
TEST(plant_writable_file) {
  char base[4200], prog[4400], lib[4400], *out;
  snprintf(base, sizeof base, "%s/w", tt_test_tmpdir());
  ASSERT_OK(mkdir(base, 0755));
  plant(base, prog, sizeof prog);
  snprintf(lib, sizeof lib, "%s/lib/libtasktrace-lttng.so", base);
  ASSERT_OK(chmod(lib, 0666));
  ASSERT_EQ(run(prog, "TASKTRACE_DEBUG=1", &out), 0);
  ASSERT_TRUE(access(marker, F_OK) != 0);
  ASSERT_CONTAINS(out, "lib/libtasktrace-lttng.so: writable by others (mode 0666)\n");
  free(out);
}

/* The control: the same library, ours and safely placed, is loaded beside
 * the executable, so the refusals above are the checks at work. */
TEST(trusted_beside_exe_loads) {
  char base[4200], prog[4400], *out;
  snprintf(base, sizeof base, "%s/ok", tt_test_tmpdir());
  ASSERT_OK(mkdir(base, 0755));
  plant(base, prog, sizeof prog);
  ASSERT_EQ(run(prog, NULL, &out), 0);
  ASSERT_OK(access(marker, F_OK));
  free(out);
}
