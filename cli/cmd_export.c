/* tasktrace export FILE... --format perfetto|html -o OUT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace export --format perfetto|html -o OUT FILE...\n"
    "\n"
    "Write the traces as one file another tool opens: a Perfetto (Chrome JSON)\n"
    "trace, or a self-contained HTML timeline.\n";

enum { FORMAT_PERFETTO, FORMAT_HTML };

/* export_to's results beyond the exit codes: nothing was read (no output
 * at all), or the output could not be written. */
#define EXPORT_NOTHING 100
#define EXPORT_WRITE 101

static int write_failed(const char *outp) {
  char e[512];
  tt__cli_err("export", "%s: write failed", tt_esc(e, sizeof e, outp));
  return EXPORT_WRITE;
}

/* Read files into the renderer of format, writing to out. Returns an exit
 * code, EXPORT_NOTHING or EXPORT_WRITE (after a message). */
static int export_to(FILE *out, const char *outp, int format, char *const *files, int n) {
  tt_model_hooks hooks;
  tt_perfetto *pf = NULL;
  tt_html *h = NULL;
  if (format == FORMAT_PERFETTO) {
    if (tt_perfetto_begin(out, &pf) == 0)
      tt_perfetto_hooks(pf, &hooks);
  } else {
    const char *title = files[0];
    const char *slash = strrchr(title, '/');
    if (slash && slash[1])
      title = slash + 1;
    if (tt_html_begin(out, title, &h) == 0)
      tt_html_hooks(h, &hooks);
  }
  if (pf == NULL && h == NULL) {
    tt__cli_err("export", "out of memory");
    return EXPORT_NOTHING;
  }
  tt_model *m;
  int rc = tt__cli_load("export", files, n, &hooks, &m);
  if (m == NULL) {
    tt_perfetto_free(pf);
    tt_html_free(h);
    return EXPORT_NOTHING;
  }
  int wr = pf ? tt_perfetto_end(pf, m) : tt_html_end(h, m);
  tt_model_free(m);
  if (wr < 0 || fflush(out) != 0 || ferror(out))
    return write_failed(outp);
  return rc;
}

/* The options and operands: TT__CLI_PARSED with *format, *outp and *first
 * set, or an exit code. */
static int parse_args(int argc, char **argv, int *format, const char **outp, int *first) {
  const tt__opt opts[] = {
      {.name = "format", .letter = 'f', .kind = TT__OPT_CHOICE, .p = format,
       .choices = "perfetto|html", .arg = "FORMAT",
       .help = "perfetto: Chrome trace event JSON: open it in\n"
               "https://ui.perfetto.dev or chrome://tracing. One track\n"
               "per task, running and blocked slices, wake-ups and lock\n"
               "hand-offs as arrows.\n"
               "html: one self-contained HTML page (works offline): a\n"
               "zoomable timeline, a lane per task, details on hover."},
      {.name = "output", .letter = 'o', .kind = TT__OPT_PATH, .p = outp, .arg = "OUT",
       .help = "the file to write ('-': stdout). It is written aside and\n"
               "renamed into place when complete: a failed export leaves\n"
               "an existing OUT as it was. OUT may not be an input."},
      TT__CLI_OPT_MAX_TASKS,
      {0}};
  const tt__cli_spec spec = {.cmd = "export", .usage = usage, .opts = opts};
  int rc = tt__cli_parse(&spec, argc, argv, first);
  if (rc != TT__CLI_PARSED)
    return rc;
  if (*format < 0) {
    tt__cli_err("export", "--format perfetto|html is required");
    return TT_CLI_USAGE;
  }
  if (*outp == NULL) {
    tt__cli_err("export", "-o OUT is required");
    return TT_CLI_USAGE;
  }
  rc = tt__cli_need_traces("export", argc, *first);
  return rc ? rc : TT__CLI_PARSED;
}

int tt_cmd_export(int argc, char **argv) {
  const char *outp = NULL;
  int format = -1, first;
  int prc = parse_args(argc, argv, &format, &outp, &first);
  if (prc != TT__CLI_PARSED)
    return prc;
  int to_stdout = strcmp(outp, "-") == 0;
  if (!to_stdout && tt__out_is_input("export", outp, argv + first, argc - first))
    return TT_CLI_FAIL;
  tt__outdir od = {{0}};
  char tmp[sizeof od.dir + 256];
  if (!to_stdout && tt__out_begin("export", &od, outp) != TT_CLI_OK)
    return TT_CLI_FAIL;
  FILE *out = to_stdout ? stdout : fopen(tt__out_path(&od, outp, tmp, sizeof tmp), "w");
  if (out == NULL) {
    char e[512];
    tt__cli_err("export", "%s: %s", tt_esc(e, sizeof e, outp), strerror(errno));
    tt__out_end(&od);
    return TT_CLI_FAIL;
  }
  int rc = export_to(out, outp, format, argv + first, argc - first);
  if (to_stdout) {
    if (rc == TT_CLI_OK && fflush(out) != 0)
      rc = write_failed(outp);
    return rc >= EXPORT_NOTHING ? TT_CLI_FAIL : rc;
  }
  /* Only a complete output replaces the target: a read error mid-way
   * leaves an existing file as it was. */
  if (fclose(out) != 0 && rc == TT_CLI_OK)
    rc = write_failed(outp);
  if (rc == TT_CLI_OK) {
    rc = tt__out_commit("export", &od, outp);
  } else if (rc == TT_CLI_FAIL) {
    char e[512];
    tt__cli_err("export", "%s: not written (the input could not be read whole)",
                tt_esc(e, sizeof e, outp));
  }
  tt__out_end(&od);
  return rc == EXPORT_NOTHING || rc == EXPORT_WRITE ? TT_CLI_FAIL : rc;
}
