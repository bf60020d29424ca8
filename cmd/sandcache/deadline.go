package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// defaultTimeout is the deadline of a command without --timeout.
const defaultTimeout = 30 * time.Second

// abandonAfter is how long a command whose deadline passed (or that was
// interrupted) may take to return before the CLI reports it anyway and
// exits without it: the deadline holds even if a call does not notice it.
const abandonAfter = time.Second

// parseTimeout parses --timeout: a Go duration ("30s", "1m30s", "500ms"),
// "0" for none; "" is the command's default: defaultTimeout, or none for
// bench, which bounds itself (--runs, --ops, --duration) and takes longer
// than that on a loaded machine.
func parseTimeout(s, command string) (time.Duration, error) {
	if s == "" {
		if command == "bench" {
			return 0, nil
		}
		return defaultTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usagef("flag --timeout must be a duration such as 30s, 2m or 500ms (0 for none); got %q", s)
	}
	return d, nil
}

// runWithDeadline runs cmd on pos with a.ctx bounded by timeout (0: none).
// a.ctx is also cancelled by SIGINT and SIGTERM (main). When the context
// ends, the command gets abandonAfter to return; its error, or its not
// returning, is reported as the timeout or the interruption (exit 2).
func (a *app) runWithDeadline(cmd command, pos []string, timeout time.Duration) error {
	ctx, cancel := a.ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(a.ctx, timeout)
	}
	defer cancel()
	a.ctx = ctx
	done := make(chan error, 1)
	go func() { done <- cmd.run(a, pos) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done:
		case <-time.After(abandonAfter):
			return stoppedErr(ctx, timeout)
		}
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, errMiss) {
		var code exitCode
		if !errors.As(err, &code) {
			return stoppedErr(ctx, timeout)
		}
	}
	return err
}

// stoppedErr is the error of a command whose context ended.
func stoppedErr(ctx context.Context, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %s (--timeout; 0 means no deadline)", timeout)
	}
	return errors.New("interrupted (SIGINT or SIGTERM)")
}
