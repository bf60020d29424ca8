package host

// benchValue is the JSON value the package's own benchmarks store (the
// same as hostbench.Value, which this package cannot import in its
// internal tests).
var benchValue = []byte(`{"answer":"The quick brown fox jumps over the lazy dog.","tokens":[1,2,3,4,5],"score":0.75}`)
