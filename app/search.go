package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/search"
	"hongyan/mailcore/store"
)

// searchDelay is how long typing must pause before the query runs.
const searchDelay = 200 * time.Millisecond

// searchBox runs the query of the search field as the user types: after a
// short pause, local results at once, then (for IMAP accounts online) the
// server's results merged in. A new key cancels the search under way.
// Fields are used on the UI goroutine only.
type searchBox struct {
	mv     *mailView
	info   *widget.Label // results count, or why a query is not valid
	timer  *time.Timer
	cancel context.CancelFunc
	gen    int
	// last is the text of the newest search that finished, count the
	// number of its results.
	last  string
	count int
	// failed is the note on a server search that failed, kept for
	// recount.
	failed string

	// onDone is called when a search (local and server part) has finished
	// (tests).
	onDone func()
}

func newSearchBox(mv *mailView) *searchBox {
	b := &searchBox{mv: mv, info: widget.NewLabel("")}
	b.info.Importance = widget.LowImportance
	// Wrapped, so that a long line (a server failure, the note on Trash
	// and Junk) does not widen the message list.
	b.info.Wrapping = fyne.TextWrapWord
	b.info.Hide()
	return b
}

// stop cancels the pending and running search.
func (b *searchBox) stop() {
	b.gen++
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if b.cancel != nil {
		b.cancel()
		b.cancel = nil
	}
}

// changed is the search field's OnChanged.
func (b *searchBox) changed(text string) {
	b.stop()
	if strings.TrimSpace(text) == "" {
		b.info.Hide()
		// Back to the folder, after the current UI call: when the folder
		// tree cleared the field it is choosing a folder itself.
		mv := b.mv
		mv.ui.do(func() {
			if _, searching := mv.list.src.(searchSource); searching && mv.current != "" &&
				strings.TrimSpace(mv.searchEntry.Text) == "" {
				mv.selectNode(mv.current)
			}
		})
		return
	}
	gen := b.gen
	b.timer = time.AfterFunc(searchDelay, func() {
		b.mv.ui.do(func() {
			if gen == b.gen {
				b.run(text)
			}
		})
	})
}

// run searches now.
func (b *searchBox) run(text string) {
	b.stop()
	if strings.TrimSpace(text) == "" {
		b.changed(text)
		return
	}
	q, err := search.Parse(text)
	if err != nil {
		b.setInfo(reasonText(err))
		return
	}
	gen := b.gen
	ctx, cancel := context.WithCancel(b.mv.ui.ctx)
	b.cancel = cancel
	mv := b.mv
	mv.list.setSource(searchSource{q: q, se: mv.se})
	b.setInfo(T("search.searching"))
	eng, se := mv.eng, mv.se
	mv.ui.goWork(func(context.Context) {
		n, err := se.Count(ctx, q)
		// Trash and Junk are left out unless the query names them; the
		// count of what they hold says so (as webmail does).
		hidden := 0
		if err == nil {
			hidden, _ = se.CountSkipped(ctx, q)
		}
		server := err == nil && eng.CanSearchServer()
		var res []search.Result
		var serr error
		if server {
			res, serr = eng.Search(ctx, text, 0, search.MaxLimit)
		}
		mv.ui.do(func() {
			if gen != b.gen {
				return
			}
			defer func() {
				b.last = text
				b.count = n
				if b.onDone != nil {
					b.onDone()
				}
			}()
			if err != nil {
				b.setInfo(reasonText(err))
				return
			}
			extra := 0
			for _, r := range res {
				if r.FromServer {
					extra++
				}
			}
			b.failed = ""
			if serr != nil && ctx.Err() == nil {
				b.failed = T("search.server_failed", map[string]any{"Reason": reasonText(serr)})
			}
			if extra > 0 {
				// The merged list holds the newest search.MaxLimit results;
				// the count says how many there are in all.
				b.showMerged(searchSource{q: q, se: se}, res)
				b.setInfo(b.countText(TN("search.count_server", n+extra, map[string]any{"Server": extra}), hidden))
				n = len(res)
			} else {
				b.setInfo(b.countText(TN("search.count", n, nil), hidden))
			}
		})
	})
}

// countText is the line under the search field: count, then how many
// more Trash and Junk hold, then a server failure.
func (b *searchBox) countText(count string, hidden int) string {
	if hidden > 0 {
		count += " · " + TN("search.hidden_trash", hidden, nil)
	}
	if b.failed != "" {
		count += " · " + b.failed
	}
	return count
}

// recount says again how many messages match, after messages were moved,
// deleted or put back while the results show (the list itself reloads).
// A list merged with the server's results keeps its line: counting those
// again would need the server.
func (b *searchBox) recount() {
	src, ok := b.mv.list.src.(searchSource)
	if !ok || src.snap != nil || !b.info.Visible() {
		return
	}
	gen, se, mv := b.gen, b.mv.se, b.mv
	mv.ui.goWork(func(ctx context.Context) {
		n, err := se.Count(ctx, src.q)
		hidden := 0
		if err == nil {
			hidden, _ = se.CountSkipped(ctx, src.q)
		}
		mv.ui.do(func() {
			if gen != b.gen || err != nil {
				return
			}
			b.count = n
			b.setInfo(b.countText(TN("search.count", n, nil), hidden))
		})
	})
}

// showMerged puts merged results in the list at once (they are in hand),
// under the rows the user may be looking at: the selection stays when its
// messages are still there.
func (b *searchBox) showMerged(src searchSource, res []search.Result) {
	l := b.mv.list
	snap := &resultSnap{server: map[int64]bool{}}
	present := map[int64]bool{}
	for _, r := range res {
		snap.ids = append(snap.ids, r.ID)
		present[r.ID] = true
		if r.FromServer {
			snap.server[r.ID] = true
		}
	}
	src.snap = snap
	l.gen++
	l.src = src
	l.total = len(res)
	l.pages = map[int][]store.Summary{}
	l.lru = nil
	l.loading = map[int]int{}
	for p := 0; p*pageSize < len(res) && p < maxPages; p++ {
		rows := make([]store.Summary, 0, pageSize)
		for _, r := range res[p*pageSize : min(len(res), (p+1)*pageSize)] {
			rows = append(rows, r.Summary)
		}
		l.putPage(p, rows)
	}
	for id := range l.selected {
		if !present[id] {
			delete(l.selected, id)
		}
	}
	if !present[l.cursor] {
		l.cursor = 0
	}
	l.list.Refresh()
	if l.onSelect != nil {
		l.onSelect()
	}
}

func (b *searchBox) setInfo(s string) {
	b.info.SetText(s)
	b.info.Show()
}

// resultSnap is a merged local + server result: message ids in order, and
// which came from the server. The summaries are read afresh from the store
// on every page, so flags and deletions show.
type resultSnap struct {
	ids    []int64
	server map[int64]bool
}

func (s *resultSnap) live(ctx context.Context, st *store.Store) ([]store.Summary, error) {
	return st.SummariesByIDs(ctx, s.ids)
}

func (s *resultSnap) count(ctx context.Context, st *store.Store) (int, error) {
	ms, err := s.live(ctx, st)
	return len(ms), err
}

func (s *resultSnap) page(ctx context.Context, st *store.Store, offset, limit int) ([]store.Summary, error) {
	ms, err := s.live(ctx, st)
	if err != nil || offset >= len(ms) {
		return nil, err
	}
	return ms[offset:min(len(ms), offset+limit)], nil
}
