;; draft-counter: counter.wat against wasi:keyvalue@0.2.0-draft (the older
;; draft: unsigned increment). Each run increments "old!" in bucket
;; "counter" and prints the new count; `loop` and `trap` as in counter.wat.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  ;; open: func(identifier: string) -> result<bucket, error>
  (import "wasi:keyvalue/store@0.2.0-draft" "open" (func $open (param i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft" "[resource-drop]bucket" (func $drop (param i32)))
  ;; increment: func(bucket: borrow<bucket>, key: string, delta: u64) -> result<u64, error>
  (import "wasi:keyvalue/atomics@0.2.0-draft" "increment" (func $increment (param i32 i32 i32 i64 i32)))

  (memory (export "memory") 1)
  ;; The bump allocator's next free byte: the host returns strings through it.
  (global $heap (mut i32) (i32.const 8192))

  (data (i32.const 16) "counter")
  (data (i32.const 32) "old!")
  (data (i32.const 48) "counter: keyvalue error\n")

  ;; cabi_realloc(old, old_size, align, size) -> ptr: a bump allocator.
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
    (local.set $end (i32.add (local.get $p) (local.get 3)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $p))

  ;; write(fd, ptr, len) writes one buffer.
  (func $write (param $fd i32) (param $p i32) (param $n i32)
    (i32.store (i32.const 400) (local.get $p))
    (i32.store (i32.const 404) (local.get $n))
    (drop (call $fd_write (local.get $fd) (i32.const 400) (i32.const 1) (i32.const 408))))

  (func $fail
    (call $write (i32.const 2) (i32.const 48) (i32.const 24))
    (call $proc_exit (i32.const 1)))

  (func (export "_start")
    (local $bucket i32) (local $v i64) (local $p i32) (local $c i32)
    ;; The mode: the first byte of argv[1], if any.
    (drop (call $args_sizes_get (i32.const 100) (i32.const 104)))
    (if (i32.and (i32.ge_u (i32.load (i32.const 100)) (i32.const 2))
                 (i32.and (i32.le_u (i32.load (i32.const 100)) (i32.const 16))
                          (i32.le_u (i32.load (i32.const 104)) (i32.const 4096))))
      (then
        (drop (call $args_get (i32.const 128) (i32.const 4096)))
        (local.set $c (i32.load8_u (i32.load (i32.const 132))))
        (if (i32.eq (local.get $c) (i32.const 108)) ;; 'l': loop forever
          (then (loop $spin (br $spin))))
        (if (i32.eq (local.get $c) (i32.const 116)) ;; 't': trap
          (then unreachable))))

    ;; bucket = open("counter"); the return area is at 64.
    (call $open (i32.const 16) (i32.const 7) (i32.const 64))
    (if (i32.load8_u (i32.const 64)) (then (call $fail)))
    (local.set $bucket (i32.load (i32.const 68)))

    ;; v = increment(bucket, "runs", 1): result<s64, error>, payload at 72.
    (call $increment (local.get $bucket) (i32.const 32) (i32.const 4) (i64.const 1) (i32.const 64))
    (if (i32.load8_u (i32.const 64)) (then (call $fail)))
    (local.set $v (i64.load (i32.const 72)))
    (call $drop (local.get $bucket))

    ;; Print v in decimal, backwards from 340.
    (i32.store8 (i32.const 340) (i32.const 10))
    (local.set $p (i32.const 340))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i64.store8 (local.get $p) (i64.add (i64.rem_u (local.get $v) (i64.const 10)) (i64.const 48)))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $v) (i64.const 0))))
    (call $write (i32.const 1) (local.get $p) (i32.sub (i32.const 341) (local.get $p))))
)
