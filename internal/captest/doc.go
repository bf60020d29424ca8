// Package captest is test support shared by the tests of the capability
// packages (filecap, sqlcap, pgcap): an outside folder with a canary file,
// and error assertions. Only tests import it.
package captest
