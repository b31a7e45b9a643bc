// SPDX-License-Identifier: GPL-2.0
/*
 * timeout [--foreground] SECONDS COMMAND [ARG]...
 *
 * The subset of coreutils' timeout that the kselftest runner uses, for the
 * busybox guest (whose own timeout has no --foreground). Runs COMMAND;
 * after SECONDS sends it SIGTERM, and SIGKILL two seconds later. Exits
 * with 124 if the time ran out, else with COMMAND's status (128 + signal
 * if it was killed).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static volatile sig_atomic_t expired;

static void on_alarm(int sig)
{
	(void)sig;
	expired++;
}

int main(int argc, char **argv)
{
	int foreground = 0, status, i = 1;
	struct sigaction sa;
	unsigned long secs;
	char *end;
	pid_t pid;

	if (i < argc && !strcmp(argv[i], "--foreground")) {
		foreground = 1;
		i++;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: timeout [--foreground] SECONDS COMMAND [ARG]...\n");
		return 125;
	}
	secs = strtoul(argv[i], &end, 10);
	if (*end && strcmp(end, "s")) {
		fprintf(stderr, "timeout: invalid time '%s'\n", argv[i]);
		return 125;
	}

	pid = fork();
	if (pid < 0) {
		perror("timeout: fork");
		return 125;
	}
	if (pid == 0) {
		if (!foreground)
			setpgid(0, 0);
		execvp(argv[i + 1], &argv[i + 1]);
		perror("timeout: exec");
		_exit(127);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(secs);
	for (;;) {
		if (waitpid(pid, &status, 0) == pid)
			break;
		if (expired == 1) {
			kill(foreground ? pid : -pid, SIGTERM);
			expired++;
			alarm(2);
		} else if (expired > 2) {
			kill(foreground ? pid : -pid, SIGKILL);
		}
	}
	if (expired)
		return 124;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
