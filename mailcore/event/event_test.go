package event

import (
	"sync"
	"testing"
	"time"
)

func TestQueueBatches(t *testing.T) {
	var mu sync.Mutex
	var batches [][]Event
	var schedules int
	done := make(chan struct{}, 100)
	schedule := func(f func()) {
		mu.Lock()
		schedules++
		mu.Unlock()
		f()
		done <- struct{}{}
	}
	deliver := func(b []Event) {
		mu.Lock()
		batches = append(batches, b)
		mu.Unlock()
	}
	q := NewQueue(schedule, deliver, 20*time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				q.Push(MessagesChanged{Account: "a", FolderID: int64(i)})
			}
		}(i)
	}
	wg.Wait()
	<-done
	// Wait until every event is delivered.
	deadline := time.After(5 * time.Second)
	for {
		mu.Lock()
		n := 0
		for _, b := range batches {
			n += len(b)
		}
		s := schedules
		mu.Unlock()
		if n == 800 {
			if s >= 800 || s < 1 {
				t.Fatalf("%d schedules for 800 events: not batched", s)
			}
			return
		}
		select {
		case <-done:
		case <-deadline:
			t.Fatalf("only %d of 800 events delivered", n)
		}
	}
}
