/* The thread pool and other threads: getaddrinfo, tt_run_in_thread, and
 * tt_loop_call_threadsafe from a real uv_thread. */
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <tasktrace/tasktrace.h>

#include "io_util.h"

/* ---- getaddrinfo -------------------------------------------------------- */

static int main_gai(void *arg) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  struct addrinfo *res = NULL;
  ASSERT_OK(tt_getaddrinfo("localhost", "4242", &hints, &res, tt_after_ms(10000)));
  ASSERT_TRUE(res != NULL);
  int loopback = 0;
  for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      struct sockaddr_in *a = (struct sockaddr_in *)ai->ai_addr;
      ASSERT_EQ(ntohs(a->sin_port), 4242);
      loopback += ntohl(a->sin_addr.s_addr) == INADDR_LOOPBACK;
    } else if (ai->ai_family == AF_INET6) {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)ai->ai_addr;
      ASSERT_EQ(ntohs(a->sin6_port), 4242);
      loopback += IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
  }
  ASSERT_GE(loopback, 1);
  uv_freeaddrinfo(res);

  /* Not a numeric address though AI_NUMERICHOST demands one: a resolver
   * error without network traffic, as libuv's UV_EAI_* code, named. */
  hints.ai_flags = AI_NUMERICHOST;
  int r = tt_getaddrinfo("no such host.invalid", NULL, &hints, &res, tt_after_ms(10000));
  ASSERT_TRUE(r < 0);
  ASSERT_TRUE(res == NULL);
  ASSERT_STR_EQ(tt_strerror(r), uv_strerror(r));
  ASSERT_ERR(tt_getaddrinfo(NULL, NULL, NULL, &res, TT_FOREVER), -EINVAL);
  ASSERT_ERR(tt_getaddrinfo("localhost", NULL, NULL, NULL, TT_FOREVER), -EINVAL);
  /* A deadline already passed: -ETIMEDOUT, and the orphaned request is
   * freed by its callback (valgrind checks). */
  ASSERT_ERR(tt_getaddrinfo("localhost", NULL, NULL, &res, TT_NOWAIT), -ETIMEDOUT);
  return 0;
}

TEST(getaddrinfo_localhost) {
  ASSERT_EQ(tt_run(main_gai, NULL), 0);
  struct addrinfo *res;
  ASSERT_ERR(tt_getaddrinfo("localhost", NULL, NULL, &res, TT_FOREVER), -EPERM);
}

/* ---- tt_run_in_thread --------------------------------------------------- */

static uv_thread_t loop_thread;

static int on_pool(void *arg) {
  uv_thread_t me = uv_thread_self();
  *(int *)arg = uv_thread_equal(&me, &loop_thread) ? 1 : 2;
  usleep(20 * 1000); /* blocking: fine here, the loop goes on */
  return 42;
}

static atomic_int slow_done;

/* Owns its heap arg, as the header advises for calls that may time out. */
static int slow_fn(void *arg) {
  usleep(100 * 1000);
  free(arg);
  atomic_fetch_add(&slow_done, 1);
  return 0;
}

static int ticker(void *arg) {
  int *ticks = arg;
  for (int i = 0; i < 5; i++) {
    ASSERT_OK(tt_sleep_ms(2));
    (*ticks)++;
  }
  return 0;
}

static int main_thread(void *arg) {
  loop_thread = uv_thread_self();
  int where = 0, ticks = 0;
  tt_task *t;
  /* Another task keeps running while fn blocks its pool thread. */
  ASSERT_OK(tt_spawn(&t, ticker, &ticks, "ticker"));
  ASSERT_EQ(tt_run_in_thread(on_pool, &where, tt_after_ms(10000)), 42);
  ASSERT_EQ(where, 2); /* ran, and not on the loop's thread */
  ASSERT_GE(ticks, 3);
  ASSERT_OK(tt_join(t, NULL, TT_FOREVER));

  ASSERT_ERR(tt_run_in_thread(slow_fn, malloc(16), tt_after_ms(10)), -ETIMEDOUT);
  ASSERT_ERR(tt_run_in_thread(NULL, NULL, TT_FOREVER), -EINVAL);
  ASSERT_OK(tt_cancel(tt_self()));
  ASSERT_ERR(tt_run_in_thread(slow_fn, NULL, TT_FOREVER), -ECANCELED); /* never queued */
  return 0;
}

TEST(run_in_thread) {
  ASSERT_EQ(tt_run(main_thread, NULL), 0);
  /* The timed-out fn still ran to the end (tt_run waited for the pool). */
  ASSERT_EQ(atomic_load(&slow_done), 1);
}

/* A blocked task whose only pending thing is a pool job is not a deadlock. */
static int main_only_pool(void *arg) {
  int where;
  return tt_run_in_thread(on_pool, &where, TT_FOREVER);
}

TEST(run_in_thread_is_not_a_deadlock) { ASSERT_EQ(tt_run(main_only_pool, NULL), 42); }

/* ---- tt_loop_call_threadsafe from a real thread ------------------------- */

#define NCALLS 1000

static int calls[NCALLS];
static atomic_int ncalls;
static int wrong_thread;

static void on_loop(void *arg) {
  uv_thread_t me = uv_thread_self();
  if (!uv_thread_equal(&me, &loop_thread))
    wrong_thread++;
  int n = atomic_load(&ncalls);
  calls[n] = (int)(intptr_t)arg;
  atomic_store(&ncalls, n + 1);
}

static void caller_thread(void *arg) {
  tt_loop *loop = arg;
  for (int i = 0; i < NCALLS; i++) {
    if (tt_loop_call_threadsafe(loop, on_loop, (void *)(intptr_t)i) != 0)
      abort();
    if (i % 100 == 0)
      usleep(1000); /* several batches, not one */
  }
}

static int main_threadsafe(void *arg) {
  loop_thread = uv_thread_self();
  uv_thread_t th;
  ASSERT_OK(uv_thread_create(&th, caller_thread, tt_loop_current()));
  int64_t give_up = tt_after_ms(10000);
  while (atomic_load(&ncalls) < NCALLS && tt_now() < give_up)
    ASSERT_OK(tt_sleep_ms(1));
  ASSERT_OK(uv_thread_join(&th));
  ASSERT_EQ(atomic_load(&ncalls), NCALLS);
  for (int i = 0; i < NCALLS; i++)
    ASSERT_EQ(calls[i], i); /* in call order */
  ASSERT_EQ(wrong_thread, 0);
  ASSERT_ERR(tt_loop_call_threadsafe(NULL, on_loop, NULL), -EINVAL);
  return 0;
}

TEST(call_threadsafe_from_thread) { ASSERT_EQ(tt_run(main_threadsafe, NULL), 0); }
