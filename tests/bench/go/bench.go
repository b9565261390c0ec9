// The tasktrace benchmarks in Go, for comparison: the same workloads as
// tests/bench/tasktrace_bench.c, goroutines for tasks, run with
// GOMAXPROCS=1 (one thread, like one tasktrace loop). Each prints, as its
// last line, "WORKLOAD ns_per_op=X ops=N". Standard library only.
//
//	go build -o go-bench . && GOMAXPROCS=1 ./go-bench switch
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

func report(name string, d time.Duration, ops int) {
	fmt.Printf("%s ns_per_op=%.1f ops=%d\n", name, float64(d.Nanoseconds())/float64(ops), ops)
}

// switch: 1000 goroutines each yield 1000 times (op = one yield).
func benchSwitch() {
	const tasks, yields = 1000, 1000
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(tasks)
	for i := 0; i < tasks; i++ {
		go func() {
			for j := 0; j < yields; j++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	report("switch", time.Since(t0), tasks*yields)
}

// lock_counter: 100 goroutines x 1000: lock, read, yield, write+1, unlock.
func benchLockCounter() {
	const tasks, iters = 100, 1000
	var mu sync.Mutex
	counter := 0
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(tasks)
	for i := 0; i < tasks; i++ {
		go func() {
			for j := 0; j < iters; j++ {
				mu.Lock()
				v := counter
				runtime.Gosched()
				counter = v + 1
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	d := time.Since(t0)
	if counter != tasks*iters {
		fmt.Fprintf(os.Stderr, "lock_counter: expected %d, got %d\n", tasks*iters, counter)
		os.Exit(1)
	}
	report("lock_counter", d, tasks*iters)
}

// queue: 200000 integers through a buffered channel of 64 (op = one item).
func benchQueue() {
	const items, capacity = 200000, 64
	ch := make(chan int, capacity)
	done := make(chan struct{})
	t0 := time.Now()
	go func() {
		for i := 1; i <= items; i++ {
			ch <- i
		}
	}()
	go func() {
		for i := 1; i <= items; i++ {
			if v := <-ch; v != i {
				fmt.Fprintf(os.Stderr, "queue: item %d came out as %d\n", i, v)
				os.Exit(1)
			}
		}
		close(done)
	}()
	<-done
	report("queue", time.Since(t0), items)
}

// spawn: 100000 goroutines that return at once, then join them all.
func benchSpawn() {
	const tasks = 100000
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(tasks)
	for i := 0; i < tasks; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
	report("spawn", time.Since(t0), tasks)
}

// million: one million goroutines that each sleep 1 s concurrently.
func benchMillion() {
	const tasks = 1000000
	var asleep, done sync.WaitGroup
	t0 := time.Now()
	asleep.Add(tasks)
	done.Add(tasks)
	for i := 0; i < tasks; i++ {
		go func() {
			asleep.Done()
			time.Sleep(time.Second)
			done.Done()
		}()
	}
	spawned := time.Since(t0)
	asleep.Wait()
	asleepAt := time.Since(t0)
	done.Wait()
	doneAt := time.Since(t0)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	rssKB := ru.Maxrss
	fmt.Printf("million: %d goroutines spawned in %.3f s, all asleep at %.3f s, all done at %.3f s\n",
		tasks, spawned.Seconds(), asleepAt.Seconds(), doneAt.Seconds())
	fmt.Printf("million: peak RSS %.1f MiB, %.0f bytes per task\n", float64(rssKB)/1024,
		float64(rssKB)*1024/tasks)
	fmt.Printf("million spawn_s=%.3f peak_rss_kb=%d bytes_per_task=%.0f\n", asleepAt.Seconds(), rssKB,
		float64(rssKB)*1024/tasks)
	report("million", asleepAt, tasks)
}

var workloads = []struct {
	name string
	fn   func()
}{
	{"switch", benchSwitch},
	{"lock_counter", benchLockCounter},
	{"queue", benchQueue},
	{"spawn", benchSpawn},
	{"million", benchMillion},
}

func main() {
	if len(os.Args) != 2 || os.Args[1] == "--help" || os.Args[1] == "-h" {
		fmt.Println("usage: go-bench WORKLOAD  (run with GOMAXPROCS=1)")
		fmt.Println("workloads: switch lock_counter queue spawn million")
		if len(os.Args) != 2 {
			os.Exit(2)
		}
		return
	}
	for _, w := range workloads {
		if w.name == os.Args[1] {
			w.fn()
			return
		}
	}
	fmt.Fprintf(os.Stderr, "go-bench: unknown workload '%s'\n", os.Args[1])
	os.Exit(2)
}
