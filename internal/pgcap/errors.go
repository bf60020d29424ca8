package pgcap

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// SQLSTATEs the guest retries (package doc, Errors).
const (
	SerializationFailure = "40001"
	DeadlockDetected     = "40P01"
)

// codeOfState classifies a server error by its SQLSTATE.
func codeOfState(state string) capability.Code {
	switch {
	case state == "42501":
		return capability.NotPermitted
	case strings.HasPrefix(state, "22"), strings.HasPrefix(state, "54"):
		return capability.InvalidArgument
	case state == "XX001", state == "XX002":
		return capability.Corrupt
	}
	return capability.IO
}

// errOf turns an error of pgx into a *capability.Error (package doc).
func errOf(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		if pe.Code == "57014" && ctx.Err() != nil { // query_canceled by our deadline
			return capability.Errorf(capability.IO, "SQLSTATE 57014: interrupted (deadline or cancellation): %s", pe.Message)
		}
		return capability.Errorf(codeOfState(pe.Code), "SQLSTATE %s: %s", pe.Code, pe.Message)
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return capability.Errorf(capability.IO, "postgres: interrupted (deadline or cancellation): %v", err)
	case pgconn.SafeToRetry(err) || isConnectErr(err):
		return capability.Errorf(capability.IO, "postgres: cannot reach the server: %v", err)
	}
	return capability.Errorf(capability.IO, "postgres: %v", err)
}

func isConnectErr(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}
