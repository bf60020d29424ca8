//go:build wasip1

package keyvalue

// Error describes the error: its WIT case, and the host's message for
// `other`.
func (e *Error) Error() string {
	if e.Case == ErrorOther {
		return "keyvalue: " + e.Other
	}
	return "keyvalue: " + ErrorCaseNames[e.Case]
}
