/* The sandbox ("pause") container of every pod on the real node: it holds the pod's namespaces and
 * waits for a signal. Built static, so its image is one file. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int signal) { exit(signal == SIGTERM || signal == SIGINT ? 0 : 1); }

static void reap(int signal) {
  (void)signal;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  signal(SIGINT, stop);
  signal(SIGTERM, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
