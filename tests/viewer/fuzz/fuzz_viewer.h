/* Shared by the viewer's fuzz targets: run a source through the model and
 * every renderer (terminal timeline, Perfetto JSON, HTML, text reports),
 * output to /dev/null. Whatever the input, this must not crash, hang, leak
 * or read out of bounds. */
#ifndef TT_FUZZ_VIEWER_H
#define TT_FUZZ_VIEWER_H

#include <stdio.h>

#include "tasktrace/viewer.h"

/* The model has one set of hooks: fan them out to the three renderers. */
static tt_model_hooks fuzz_hooks[3];
static void fan_interval(void *a, const tt_model *m, const tt_interval *iv) {
  for (int i = 0; i < 3; i++)
    if (fuzz_hooks[i].interval)
      fuzz_hooks[i].interval(fuzz_hooks[i].arg, m, iv);
}
static void fan_flow(void *a, const tt_model *m, const tt_flow *f) {
  for (int i = 0; i < 3; i++)
    if (fuzz_hooks[i].flow)
      fuzz_hooks[i].flow(fuzz_hooks[i].arg, m, f);
}
static void fan_instant(void *a, const tt_model *m, const tt_trace_event *ev) {
  for (int i = 0; i < 3; i++)
    if (fuzz_hooks[i].instant)
      fuzz_hooks[i].instant(fuzz_hooks[i].arg, m, ev);
}

static void fuzz_view(tt_source *src) {
  static FILE *null;
  if (null == NULL)
    null = fopen("/dev/null", "w");
  tt_timeline_opts o = {.from = 0, .to = 1000000, .width = 40};
  tt_timeline *tl = NULL;
  tt_perfetto *pf = NULL;
  tt_html *h = NULL;
  tt_timeline_new(&o, &tl, NULL, 0);
  tt_perfetto_begin(null, &pf);
  tt_html_begin(null, "fuzz", &h);
  tt_timeline_hooks(tl, &fuzz_hooks[0]);
  tt_perfetto_hooks(pf, &fuzz_hooks[1]);
  tt_html_hooks(h, &fuzz_hooks[2]);
  tt_model_hooks all = {NULL, fan_interval, fan_flow, fan_instant};
  tt_model *m = NULL;
  tt_model_new(&all, &m);
  char err[256];
  tt_model_load(m, src, "fuzz", err, sizeof err);
  tt_render_summary(m, null);
  tt_render_locks(m, null);
  tt_render_slow(m, null, 0);
  tt_timeline_render(tl, m, null);
  tt_perfetto_end(pf, m);
  tt_html_end(h, m);
  tt_model_free(m);
  tt_timeline_free(tl);
}

#endif
