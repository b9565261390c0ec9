/* tasktrace export FILE... --format perfetto|html -o OUT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace export --format perfetto|html -o OUT FILE...\n"
    "\n"
    "  --format perfetto  Chrome trace event JSON: open it in https://ui.perfetto.dev\n"
    "                     or chrome://tracing. One track per task, running and\n"
    "                     blocked slices, wake-ups and lock hand-offs as arrows.\n"
    "  --format html      one self-contained HTML page (works offline): a zoomable\n"
    "                     timeline, a lane per task, details on hover.\n"
    "  -o, --output OUT   the file to write ('-': stdout)\n";

int tt_cmd_export(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"output", required_argument, NULL, 'o'},
                                       {0}};
  const char *format = NULL, *outp = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "hf:o:", opts, NULL)) != -1) {
    switch (c) {
    case 'h': fputs(usage, stdout); return TT_CLI_OK;
    case 'f': format = optarg; break;
    case 'o': outp = optarg; break;
    default: return tt__cli_bad_option("export", argv, "hf:o:");
    }
  }
  if (format == NULL || (strcmp(format, "perfetto") != 0 && strcmp(format, "html") != 0)) {
    tt__cli_err("export", format ? "--format: '%s' is not perfetto or html"
                                 : "--format perfetto|html is required%s",
                format ? format : "");
    return TT_CLI_USAGE;
  }
  if (outp == NULL) {
    tt__cli_err("export", "-o OUT is required");
    return TT_CLI_USAGE;
  }
  if (optind >= argc) {
    tt__cli_err("export", "no trace given (tasktrace export --help)");
    return TT_CLI_USAGE;
  }
  int to_stdout = strcmp(outp, "-") == 0;
  FILE *out = to_stdout ? stdout : fopen(outp, "w");
  if (out == NULL) {
    tt__cli_err("export", "%s: %s", outp, strerror(errno));
    return TT_CLI_FAIL;
  }
  tt_model_hooks hooks;
  tt_perfetto *pf = NULL;
  tt_html *h = NULL;
  if (format[0] == 'p') {
    pf = tt_perfetto_begin(out);
    if (pf)
      tt_perfetto_hooks(pf, &hooks);
  } else {
    const char *title = argv[optind];
    const char *slash = strrchr(title, '/');
    if (slash && slash[1])
      title = slash + 1;
    h = tt_html_begin(out, title);
    if (h)
      tt_html_hooks(h, &hooks);
  }
  if (pf == NULL && h == NULL) {
    tt__cli_err("export", "out of memory");
    return TT_CLI_FAIL;
  }
  tt_model *m;
  int rc = tt__cli_load("export", argv + optind, argc - optind, &hooks, &m);
  int wr = 0;
  if (m == NULL) {
    /* Nothing was read: don't leave a half page behind. */
    if (!to_stdout) {
      fclose(out);
      unlink(outp);
    }
    return rc;
  }
  wr = pf ? tt_perfetto_end(pf, m) : tt_html_end(h, m);
  tt_model_free(m);
  if (fflush(out) != 0 || wr < 0 || (!to_stdout && fclose(out) != 0)) {
    tt__cli_err("export", "%s: write failed", outp);
    return TT_CLI_FAIL;
  }
  return rc;
}
