/* check-functions.py's self-test: each function's expected length (from the `{` to the `}`) is in
 * its name (fN_LINES); nothing else here is a function. The traps: braces
 * in strings, characters, comments and directives, initialisers, struct
 * bodies, attributes, a multi-line signature, a function-like macro. */
#include <stdio.h>
#define BODY(x) { return (x); }
#define LONG_MACRO(x)                                                                              \
  do {                                                                                             \
    if (x) {                                                                                       \
  } while (0)

struct point {
  int x, y;
};
typedef struct { int a; } pair;
static const struct point origin = {0, 0};
static const char *const words[] = {"{", "}", "{{", NULL};
enum color { RED, GREEN };

int f1_3(void) {
  return '{';
}

static int f2_7(const char *s) {
  /* } a brace in a comment */
  // { and another
  if (s[0] == '}')
    return 1;
  return puts("}}}") > 0;
}

__attribute__((unused)) static int f3_8(int a,
                                        int b) {
#if 0
  {
#endif
  int v[] = {a, b};
  struct point p = {.x = a, .y = b};
  return v[0] + p.y + (int)sizeof(struct point){0}.x;
}

static int f4_1(void) { return 0; }

static void (*f5_4(void))(int) {
  /* returns a function pointer */
  return NULL;
}

/* A signature written once per branch opens one body. */
#ifdef HAVE_TWO_ARGS
static int f6_4(int a, int b) {
#else
static int f6_4(int a) {
#endif
  return a;
}

#if FEATURE
static int f7_3(void) {
  return 1;
}
#else /* every branch is read: the stub is a function too */
static int f8_1(void) { return 0; }
#endif

#if 0
static int dead(void) {
#endif

static int f9_5(void) {
  static const char s[] = "\"{\\"; /* an escaped quote and backslash */
  char c = '\'';
  return s[0] + c;
}
