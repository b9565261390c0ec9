/* The viewer's error convention (viewer.h): a negative errno, the reason
 * in the caller's err buffer, constructors that fill *out only on success. */
#include <errno.h>
#include <stdlib.h>

#include "tasktrace/viewer.h"
#include "tt_test.h"

TEST(timeline_bad_options) {
  tt_timeline_opts o = {.from = 10, .to = 10, .width = 40};
  tt_timeline *tl = (tt_timeline *)&o; /* must stay as it was */
  char err[128] = "";
  ASSERT_ERR(tt_timeline_new(&o, &tl, err, sizeof err), -EINVAL);
  ASSERT_TRUE(tl == (tt_timeline *)&o);
  ASSERT_CONTAINS(err, "empty time range");
  o.to = 20, o.width = 0;
  ASSERT_ERR(tt_timeline_new(&o, &tl, NULL, 0), -EINVAL); /* err may be NULL */
  o.width = 40;
  ASSERT_OK(tt_timeline_new(&o, &tl, err, sizeof err));
  tt_timeline_free(tl);
}

TEST(model_over_the_limit_says_which) {
  tt_model *m;
  ASSERT_OK(tt_model_new(NULL, &m));
  tt_model_set_max_tasks(m, 2);
  char err[128] = "";
  int r = 0;
  for (uint64_t i = 1; i <= 3 && r == 0; i++) {
    tt_trace_event ev = {.type = TT_EV_task_create, .pid = 1, .tid = 1, .ts = i};
    ev.u[0] = i;
    ev.s[2] = "t";
    ev.s[3] = "site";
    r = tt_model_add(m, &ev, err, sizeof err);
  }
  ASSERT_ERR(r, -E2BIG);
  ASSERT_STR_EQ(err, "more than 2 tasks");
  tt_model_free(m);
}

/* A damaged .ttrace file: tt_source_next fails with the reason (file and
 * place) in err, after handing out the good events. */
TEST(source_next_says_why) {
  char path[600];
  snprintf(path, sizeof path, "%s/bad.ttrace", tt_test_tmpdir());
  tt_proc_info p = {7, "bad", 1, 1};
  tt_writer_opts wo = {-1, 1024, 0};
  tt_writer *w;
  ASSERT_OK(tt_writer_open(&w, path, &p, &wo));
  for (uint64_t i = 0; i < 5000; i++) {
    tt_trace_event ev = {.type = TT_EV_task_switch, .pid = 7, .tid = 7, .ts = 100 + i};
    ev.u[0] = i;
    ASSERT_OK(tt_writer_event(w, &ev));
  }
  ASSERT_OK(tt_writer_close(w));
  FILE *f = fopen(path, "r+b");
  ASSERT_TRUE(f != NULL);
  ASSERT_OK(fseek(f, 2000, SEEK_SET)); /* inside an early chunk: a bad checksum */
  fputs("XXXXXXXX", f);
  fclose(f);
  tt_source *src;
  char err[512] = "";
  ASSERT_OK(tt_source_open(path, &src, err, sizeof err));
  ASSERT_STR_EQ(err, ""); /* left alone on success */
  tt_trace_event ev;
  int r;
  long good = 0;
  while ((r = tt_source_next(src, &ev, err, sizeof err)) > 0)
    good++;
  ASSERT_ERR(r, -EBADMSG);
  ASSERT_CONTAINS(err, "bad.ttrace");
  ASSERT_CONTAINS(err, "good events");
  ASSERT_TRUE(good < 5000);
  tt_source_close(src);
}
