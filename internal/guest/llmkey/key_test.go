package llmkey

import (
	"encoding/json"
	"github.com/sandcache/sandcache/tests/golden"
	"strings"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// keyTests were computed by the original (the oracle) with the request's
// provider and model as in each case. An empty system or request is
// absent, as nil is.
var keyTests = []struct {
	prompt          string
	system, request string
	want            string // key, or "error: ..."
}{
	{`"hello"`, "", "", "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `""`, "", "sha256:55dfd05b059e7461fc4a36150758e54748b2433df04bacb135fed09c0a710c06"},
	{`"hello"`, `null`, `null`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `null`, `{}`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `null`, `{"provider":"AUTO"}`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `null`, `{"provider":"openai"}`, "sha256:a5c6f13e26d5153504efa28cde074fa092a1bded0a346afd9d16e09ab81c0ea5"},
	{`"hello"`, `null`, `{"provider":"local"}`, "sha256:13faa13559614683c3560a32d595a9ebdbd173e6a602721a9e643a011e0d7d70"},
	{`"hello"`, `null`, `{"provider":"openrouter"}`, "sha256:131d93daf2de06e26d04bcc8d7f401f5e57abb42d8fc83f45cf548a8169d2afd"},
	{`"hello"`, `null`, `{"provider":"mlx"}`, "sha256:82b8326b28be1aebb98c2f89d47e313577503c0416e3834b9cd1d3aae034f278"},
	{`"hello"`, `null`, `{"provider":"OpenAI"}`, "sha256:065ac79bba111a0d33f406aaa9c899dcc666c29e45a13c34f0599bd7fd852846"},
	{`"hello"`, `null`, `{"provider":"x","model":"m"}`, "sha256:5c4cd4e52c95525f4cd8f92635a01a1ddba68ce45fbe63ecc2876aa0796e2f1a"},
	{`"hello"`, `null`, `{"model":"gpt-4o"}`, "sha256:31c4ad2a5a76216ec36245c31d27cbdb1320e878522cf7e8f874fb20cedbd8a5"},
	{`"hello"`, `null`, `{"max_tokens":-5}`, "sha256:857b8aa1d7e1fd672a975cbb941c10d47810ec33e8b200b9f9c12d6ea437d36a"},
	{`"hello"`, `null`, `{"max_tokens":0}`, "sha256:648d1e9721e2cd8b56e2c714b1c060686aee29b487f04b03c30d592a6ad09335"},
	{`"hello"`, `null`, `{"max_tokens":9223372036854775807}`, "sha256:b75cff1291440ebfab2fac4965ce9e63a89cafd3e8fbc0ee3ea01876512c053e"},
	{`"hello"`, `null`, `{"max_tokens":18446744073709551615}`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `null`, `{"max_tokens":"100"}`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `null`, `{"max_tokens":null}`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `null`, `{"temperature":0}`, "sha256:bd0e9ad8e0e8b9b3ccbe5268ee58e82b42615e6b4f4bc04fd2b423d1beb84885"},
	{`"hello"`, `null`, `{"temperature":0.0}`, "sha256:bd0e9ad8e0e8b9b3ccbe5268ee58e82b42615e6b4f4bc04fd2b423d1beb84885"},
	{`"hello"`, `null`, `{"temperature":-0.0}`, "sha256:4b9ed589958912194bf50ad1d751995ec9fd3529aa1b392fcb03c8d8842c6565"},
	{`"hello"`, `null`, `{"temperature":1e300}`, "sha256:b3ede384ce890294d5f177d88f2b09d7fb1c465b5c0522c23ed6878898ff7a27"},
	{`"hello"`, `null`, `{"temperature":9007199254740993}`, "sha256:a363c68891aafb79904b2467fde9058838c94761901e749899f4a8884dbe8c85"},
	{`"hello"`, `null`, `{"temperature":18446744073709551615}`, "sha256:50d64a1cc988153c8f5c8c04713531288ba42e6fab324d2704f48fad53c6b250"},
	{`"hello"`, `null`, `{"temperature":"0.5"}`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `null`, `{"temperature":null,"top_p":1}`, "sha256:965e28fb761454bb4a755c4f8ce67002737049d0c30db3afdf873aca96d53e22"},
	{`"hello"`, `null`, `{"seed":null,"stop":null}`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `null`, `{"unknown":1}`, "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
	{`"hello"`, `"sys"`, `{"provider":"anthropic","model":"claude-sonnet-4-20250514"}`, "sha256:a2af553bc3ccc45de661b78439de948bd4adc19651f2ad7967b8063eac4d9866"},
	{`[{"role":"user","content":[{"type":"text","text":"hi"}]}]`, `null`, "", "sha256:d37cd2b9262a85c0cd4ef72b5546ab2d8c164f89904258329223cd863a3edf0f"},
	{`{"z":{"b":[1,2.5,-0,1e-7,1e16,true,null,"\u2028\u0000"]},"a":{}}`, `[]`, "", "sha256:fe1848cd839f81de5335043f105afc0009a269305f1421d6886a3f659a4fbf63"},
	{`123`, `456`, "", "sha256:d494c05e15fcbd09d660a026ea6053f797476aa5c8b0739111f0b3b92959d091"},
	{`-9223372036854775808`, `9223372036854775807`, "", "sha256:55999e58996f38e0c8e2bd4847f5d42c741ca29c3949856aa354445abe22f683"},
	{`1e-5`, `0.0001`, "", "sha256:9e41f866f3f0a3fd931f684a959669c34dbd5da1dbea904bbc65275625fb3aa2"},
	{`"\ud83c\udf0d é \u007f /"`, `null`, "", "sha256:bb3b973d0486f239a3a5105375d1806c4a2ebc68b04070b6b5afff31046c6a01"},
	{`"hello"`, `null`, `[]`, "error: __llm_cache_key(prompt, system?, options?): options must be a dict; got list"},
	{`"hello"`, `null`, `5`, "error: __llm_cache_key(prompt, system?, options?): options must be a dict; got int"},
	{`"hello"`, `null`, `1.5`, "error: __llm_cache_key(prompt, system?, options?): options must be a dict; got float"},
	{`"hello"`, `null`, `true`, "error: __llm_cache_key(prompt, system?, options?): options must be a dict; got bool"},
	{`"hello"`, `null`, `18446744073709551615`, "error: __llm_cache_key(prompt, system?, options?): options must be a dict; got float"},
	{`"hello"`, "", "", "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"},
}

func TestKey(t *testing.T) {
	for _, tt := range keyTests {
		got, err := Key([]byte(tt.prompt), []byte(tt.system), []byte(tt.request))
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tt.want {
			t.Errorf("Key(%s, %s, %s)\n got %s\nwant %s", tt.prompt, tt.system, tt.request, got, tt.want)
		}
	}
}

// TestResponseFields checks the fields beyond the original's identity: a
// null one changes nothing, a set one joins the identity as given (this
// key was computed independently, with Python's json and hashlib).
func TestResponseFields(t *testing.T) {
	base, _ := Key([]byte(`"hello"`), nil, nil)
	nulls := `{"tools":null,"tool_choice":null,"stop":null,"seed":null,"response_format":null,"top_k":null,"frequency_penalty":null,"presence_penalty":null,"thinking":null}`
	if k, _ := Key([]byte(`"hello"`), nil, []byte(nulls)); k != base {
		t.Errorf("null response fields change the key: %s", k)
	}
	all := `{"top_p":0.95,"tools":[{"name":"x"}],"seed":7,"stop":["\n\n"],"tool_choice":"auto","response_format":{"type":"json_object"},"top_k":40,"frequency_penalty":0.5,"presence_penalty":-1,"thinking":{"type":"enabled","budget_tokens":1024}}`
	const want = "sha256:a7c18ed598fce5c12d6a7dcd2536f9dbe7bb5958329c75b1d24b097997c5177b"
	if k, _ := Key([]byte(`"hello"`), nil, []byte(all)); k != want {
		t.Errorf("Key with every response field = %s, want %s", k, want)
	}
	seen := map[string]string{base: "none"}
	for _, f := range ResponseFields {
		k, err := Key([]byte(`"hello"`), nil, []byte(`{"`+f+`":0}`))
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := seen[k]; dup {
			t.Errorf("%s: same key as %s", f, prev)
		}
		seen[k] = f
	}
	a, _ := Key([]byte(`"hi"`), nil, []byte(`{"tools":[{"name":"x","parameters":{"b":1,"a":2}}]}`))
	b, _ := Key([]byte(`"hi"`), nil, []byte(`{"tools":[{"parameters":{"a":2,"b":1},"name":"x"}]}`))
	c, _ := Key([]byte(`"hi"`), nil, []byte(`{"tools":[{"name":"y","parameters":{"a":2,"b":1}}]}`))
	if a != b || a == c {
		t.Errorf("tools: key order should not matter, contents should: %s %s %s", a, b, c)
	}
}

func TestIdentity(t *testing.T) {
	id, err := Identity([]byte(`[{"role":"user","content":"x"}]`), nil, []byte(`{"provider":"ollama","temperature":1,"max_tokens":1.0,"seed":3}`))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"max_tokens":16384,"model":"llama3.2","prompt":[{"content":"x","role":"user"}],"provider":"ollama","seed":3,"system":null,"temperature":1.0,"top_p":null}`
	if got := string(Canonical(id)); got != want {
		t.Errorf("identity = %s, want %s", got, want)
	}
}

func TestDefaultModel(t *testing.T) {
	for provider, want := range map[string]string{
		"anthropic": "claude-sonnet-4-20250514", "openai": "gpt-4o", "local": "gpt-4o", "ollama": "llama3.2",
		"openrouter": "anthropic/claude-sonnet-4.6", "mlx": "unsloth/Qwen3.6-27B-UD-MLX-4bit",
		"OpenAI": "claude-sonnet-4-20250514", "": "claude-sonnet-4-20250514",
	} {
		if got := DefaultModel(provider); got != want {
			t.Errorf("DefaultModel(%q) = %q, want %q", provider, got, want)
		}
	}
}

func TestKeyErrors(t *testing.T) {
	tests := []struct {
		prompt, system, request string
		want                    string
	}{
		{``, ``, ``, "__llm_cache_key(prompt, system?, options?): prompt is not valid JSON: EOF while parsing a value"},
		{`{`, ``, ``, "prompt is not valid JSON"},
		{`"p"`, `nope`, ``, "system is not valid JSON"},
		{`"p"`, ``, `{"a":}`, "options is not valid JSON"},
		{`"p"`, `null`, `"opts"`, "__llm_cache_key(prompt, system?, options?): options must be a dict; got string"},
	}
	for _, tt := range tests {
		_, err := Key([]byte(tt.prompt), []byte(tt.system), []byte(tt.request))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Key(%q, %q, %q) error = %v, want %q", tt.prompt, tt.system, tt.request, err, tt.want)
		}
	}
}

func TestKeyOfFormat(t *testing.T) {
	k := KeyOf(jsonv.Null())
	if len(k) != 7+64 || !strings.HasPrefix(k, "sha256:") || strings.ToLower(k) != k {
		t.Errorf("KeyOf = %q", k)
	}
	// sha256 of the four bytes "null".
	if k != "sha256:74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b" {
		t.Errorf("KeyOf(null) = %s", k)
	}
}

// TestGoldenVectors replays every llm-key case recorded from the original.
func TestGoldenVectors(t *testing.T) {
	for _, c := range golden.LoadCommand(t, "../../../tests/testdata/harn-golden.jsonl", "llm-key", 15) {
		args := make([][]byte, 3)
		for i, a := range c.Cmd[1:] {
			args[i] = []byte(a)
		}
		key, err := Key(args[0], args[1], args[2])
		got, _ := json.Marshal(key)
		if err != nil {
			got = []byte(golden.ErrorOutput(err))
		}
		if string(got) != c.Stdout {
			t.Errorf("%s: got %s, want %s", c.ID, got, c.Stdout)
		}
	}
}

func BenchmarkKey(b *testing.B) {
	prompt := []byte(`[{"role":"user","content":"Summarise the following text in three bullet points."}]`)
	system := []byte(`"You are terse."`)
	req := []byte(`{"provider":"openai","model":"gpt-4o","temperature":0.2,"max_tokens":512}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Key(prompt, system, req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKeyIsKeyOfIdentity checks that Key, which writes the identity's
// canonical JSON itself, agrees with hashing Identity's Value, over the
// key tests, the recorded vectors and texts that are not canonical.
func TestKeyIsKeyOfIdentity(t *testing.T) {
	type args struct{ prompt, system, request string }
	cases := []args{
		{" [ {\"role\" : \"user\", \"content\": \"x\\/y\"} ] ", ` "sys" `, `{"tools":[{"b":1,"a":2}],"seed":7,"top_p":1}`},
		{`{"z":1,"a":{"y":[1.50,1e3,-0]}}`, `{"b":null,"a":"\u00e9"}`, ``},
		{`"p"`, `{"a":1,"a":2}`, `{"model":"m","provider":"AUTO","max_tokens":9007199254740993}`},
	}
	for _, tt := range keyTests {
		cases = append(cases, args{tt.prompt, tt.system, tt.request})
	}
	for _, c := range golden.LoadCommand(t, "../../../tests/testdata/harn-golden.jsonl", "llm-key", 15) {
		a := make([]string, 3)
		copy(a, c.Cmd[1:])
		cases = append(cases, args{a[0], a[1], a[2]})
	}
	for _, c := range cases {
		got, err := Key([]byte(c.prompt), []byte(c.system), []byte(c.request))
		id, ierr := Identity([]byte(c.prompt), []byte(c.system), []byte(c.request))
		if (err == nil) != (ierr == nil) || err != nil && err.Error() != ierr.Error() {
			t.Errorf("Key(%s, %s, %s) error %v, Identity's %v", c.prompt, c.system, c.request, err, ierr)
			continue
		}
		if err == nil && got != KeyOf(id) {
			t.Errorf("Key(%s, %s, %s) = %s, KeyOf(Identity) = %s", c.prompt, c.system, c.request, got, KeyOf(id))
		}
	}
}

// FuzzKey checks Key against KeyOf(Identity(…)) on any arguments.
func FuzzKey(f *testing.F) {
	f.Add([]byte(` [{"role":"user","content":"x"}] `), []byte(`"s"`), []byte(`{"seed":1,"model":"m"}`))
	f.Add([]byte(`{"b":1,"a":2}`), []byte(``), []byte(`null`))
	f.Fuzz(func(t *testing.T, prompt, system, request []byte) {
		got, err := Key(prompt, system, request)
		id, ierr := Identity(prompt, system, request)
		if (err == nil) != (ierr == nil) || err != nil && err.Error() != ierr.Error() {
			t.Fatalf("Key(%q, %q, %q) error %v, Identity's %v", prompt, system, request, err, ierr)
		}
		if err == nil && got != KeyOf(id) {
			t.Fatalf("Key(%q, %q, %q) = %s, KeyOf(Identity) = %s", prompt, system, request, got, KeyOf(id))
		}
	})
}
