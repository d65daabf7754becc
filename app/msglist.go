package app

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/search"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// The message list keeps only a few pages of summaries: pageSize rows per
// page, at most maxPages pages, the least recently drawn dropped first.
const (
	pageSize = 200
	maxPages = 6
)

// listSource is what the message list shows: one folder, several folders
// (the unified inbox) or search results. Its methods run off the UI
// goroutine.
type listSource interface {
	count(ctx context.Context, st *store.Store) (int, error)
	page(ctx context.Context, st *store.Store, order store.SortOrder, offset, limit int) ([]store.Summary, error)
	includes(folderID int64) bool
}

// folderSource is one folder or, for the unified inbox, several.
type folderSource struct{ ids []int64 }

func (s folderSource) count(ctx context.Context, st *store.Store) (int, error) {
	total := 0
	for _, id := range s.ids {
		n, _, err := st.Counts(ctx, id)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func (s folderSource) page(ctx context.Context, st *store.Store, order store.SortOrder, offset, limit int) ([]store.Summary, error) {
	if len(s.ids) == 1 {
		return st.Page(ctx, s.ids[0], order, offset, limit)
	}
	return st.PageMany(ctx, s.ids, order, offset, limit)
}

func (s folderSource) includes(id int64) bool {
	for _, x := range s.ids {
		if x == id {
			return true
		}
	}
	return false
}

// searchSource lists the results of a search (newest first): the local
// index, or with snap the merged local and server results (search.go).
type searchSource struct {
	q    search.Query
	se   *search.Engine
	snap *resultSnap
}

func (s searchSource) count(ctx context.Context, st *store.Store) (int, error) {
	if s.snap != nil {
		return s.snap.count(ctx, st)
	}
	return s.se.Count(ctx, s.q)
}

func (s searchSource) page(ctx context.Context, st *store.Store, _ store.SortOrder, offset, limit int) ([]store.Summary, error) {
	if s.snap != nil {
		return s.snap.page(ctx, st, offset, limit)
	}
	return s.se.Search(ctx, s.q, offset, limit)
}

func (searchSource) includes(int64) bool { return true }

// msgList is the middle pane: a virtualised list backed by the store.
// All fields are used on the UI goroutine only; store reads run on
// goroutines and come back through ui.do.
type msgList struct {
	ui    *uiContext
	st    func() *store.Store
	list  *widget.List
	src   listSource
	order store.SortOrder
	gen   int // bumped on every source change: late pages of an old source are dropped
	total int

	pages   map[int][]store.Summary
	lru     []int
	loading map[int]int // page → generation it is loading for

	selected map[int64]bool
	cursor   int64 // the current message (keyboard focus, shown in the view); 0 none
	anchor   int64 // where a shift-click range starts

	// onSelect is called when the selection or the current message changes.
	onSelect func()
	// onTap is called when a row is clicked, before the selection changes.
	onTap func()
	// onContext opens the row context menu.
	onContext func(ev *fyne.PointEvent)
	// onOpen opens a message on double click.
	onOpen func(id int64)
	// onDrag and onDrop follow a drag of rows (to a folder): the messages
	// dragged and the pointer's position, then the messages dropped.
	onDrag func(ids []int64, pos fyne.Position)
	onDrop func(ids []int64)
	// onRows is called after rows of a new source were put in the list
	// (benchmarks measure folder switches with it).
	onRows func()
	// onError reports a failed store read.
	onError func(error)
	// onSource is told of a new source (fresh) or a reload of the current
	// one (the conversation view follows the list's folder).
	onSource func(src listSource, fresh bool)

	rowPitch float32

	// hidden says the list is off screen (the conversation view shows in
	// its place): it reads nothing from the store then. stale says the
	// source changed meanwhile, so showing the list again reads it.
	hidden bool
	stale  bool
}

// setHidden hides the list and stops its store reads, or shows it again
// and catches up with what changed while it was hidden.
func (l *msgList) setHidden(hide bool) {
	if hide == l.hidden {
		return
	}
	l.hidden = hide
	if hide {
		l.gen++ // pages still being read are dropped
		l.loading = map[int]int{}
		l.list.Hide()
		return
	}
	l.list.Show()
	if l.stale {
		l.stale = false
		l.reload(false)
	}
}

func newMsgList(ui *uiContext, st func() *store.Store) *msgList {
	l := &msgList{ui: ui, st: st, pages: map[int][]store.Summary{}, loading: map[int]int{},
		selected: map[int64]bool{}}
	tmpl := widgets.NewMessageRow()
	l.rowPitch = tmpl.MinSize().Height + theme.Padding()
	l.list = widget.NewList(
		func() int { return l.total },
		func() fyne.CanvasObject {
			r := widgets.NewMessageRow()
			r.OnTapped = l.tapped
			r.OnSecondaryTapped = func(i int, ev *fyne.PointEvent) {
				if m, ok := l.row(i); ok && !l.selected[m.ID] {
					l.selectOnly(i, m.ID)
				}
				if l.onContext != nil {
					l.onContext(ev)
				}
			}
			r.OnDoubleTapped = func(i int) {
				if m, ok := l.row(i); ok && l.onOpen != nil {
					l.onOpen(m.ID)
				}
			}
			r.OnDragged = func(i int, ev *fyne.DragEvent) {
				if ids := l.dragged(i); len(ids) > 0 && l.onDrag != nil {
					l.onDrag(ids, ev.AbsolutePosition)
				}
			}
			r.OnDragEnd = func(i int) {
				if ids := l.dragged(i); len(ids) > 0 && l.onDrop != nil {
					l.onDrop(ids)
				}
			}
			return r
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*widgets.MessageRow)
			m, ok := l.row(i)
			if !ok {
				r.SetData(i, widgets.MessageRowData{Loading: true})
				return
			}
			r.SetData(i, l.rowData(m))
		})
	return l
}

// rowData turns a summary into what a row shows.
func (l *msgList) rowData(m store.Summary) widgets.MessageRowData {
	from := m.From.Name
	if from == "" {
		from = m.From.Addr
	}
	if from == "" {
		from = T("list.no_sender")
	}
	subj := m.Subject
	if strings.TrimSpace(subj) == "" {
		subj = T("list.no_subject")
	}
	second := widgets.FormatSize(m.Size)
	if p := strings.TrimSpace(m.Preview); p != "" {
		second += " · " + firstLine(p, 160)
	}
	if s, ok := l.src.(searchSource); ok && s.snap != nil && s.snap.server[m.ID] {
		second = T("search.server_mark") + " · " + second
	}
	return widgets.MessageRowData{
		ID: m.ID, From: from, Subject: subj, Date: formatDate(m.Date, time.Now()),
		Secondary: second, Unread: m.Flags&store.Seen == 0, Flagged: m.Flags&store.Flagged != 0,
		Attachment: m.HasAttachments, Pending: m.Pending, Selected: l.selected[m.ID],
	}
}

// row returns the summary at index i if its page is loaded, and asks for
// the page otherwise.
func (l *msgList) row(i int) (store.Summary, bool) {
	if i < 0 || i >= l.total {
		return store.Summary{}, false
	}
	p := i / pageSize
	rows, ok := l.pages[p]
	if !ok {
		l.requestPage(p)
		return store.Summary{}, false
	}
	l.touch(p)
	if j := i % pageSize; j < len(rows) {
		return rows[j], true
	}
	return store.Summary{}, false
}

func (l *msgList) touch(p int) {
	if n := len(l.lru); n > 0 && l.lru[n-1] == p {
		return
	}
	for k, x := range l.lru {
		if x == p {
			l.lru = append(l.lru[:k], l.lru[k+1:]...)
			break
		}
	}
	l.lru = append(l.lru, p)
}

func (l *msgList) putPage(p int, rows []store.Summary) {
	l.pages[p] = rows
	l.touch(p)
	for len(l.lru) > maxPages {
		old := l.lru[0]
		l.lru = l.lru[1:]
		delete(l.pages, old)
	}
}

func (l *msgList) requestPage(p int) {
	if l.hidden {
		return
	}
	if g, ok := l.loading[p]; ok && g == l.gen {
		return
	}
	l.loading[p] = l.gen
	gen, src, order, st := l.gen, l.src, l.order, l.st()
	if src == nil || st == nil {
		return
	}
	l.ui.goWork(func(ctx context.Context) {
		rows, err := src.page(ctx, st, order, p*pageSize, pageSize)
		l.ui.do(func() {
			if gen != l.gen {
				return
			}
			delete(l.loading, p)
			if err != nil {
				l.reportError(err)
				return
			}
			l.putPage(p, rows)
			l.list.Refresh()
		})
	})
}

func (l *msgList) reportError(err error) {
	if l.onError != nil {
		l.onError(err)
	}
}

// setSource shows another folder (or search), from the top, with nothing
// selected.
func (l *msgList) setSource(src listSource) {
	l.gen++
	l.src = src
	l.pages = map[int][]store.Summary{}
	l.lru = nil
	l.loading = map[int]int{}
	l.selected = map[int64]bool{}
	l.cursor, l.anchor = 0, 0
	l.total = 0
	l.stale = false
	l.list.ScrollToTop()
	l.list.Refresh()
	if l.onSelect != nil {
		l.onSelect()
	}
	if l.onSource != nil {
		l.onSource(src, true)
	}
	if src == nil {
		return
	}
	if l.hidden {
		l.stale = true
		return
	}
	gen, order, st := l.gen, l.order, l.st()
	l.ui.goWork(func(ctx context.Context) {
		n, err := src.count(ctx, st)
		var rows []store.Summary
		if err == nil && n > 0 {
			rows, err = src.page(ctx, st, order, 0, pageSize)
		}
		l.ui.do(func() {
			if gen != l.gen {
				return
			}
			if err != nil {
				l.reportError(err)
				return
			}
			l.total = n
			if rows != nil {
				l.putPage(0, rows)
			}
			l.list.Refresh()
			if l.onRows != nil {
				l.onRows()
			}
		})
	})
}

// setOrder re-sorts the list, keeping the selection.
func (l *msgList) setOrder(o store.SortOrder) {
	if o == l.order {
		return
	}
	l.order = o
	l.reload(false)
}

// reload re-reads the current source after a change (new mail, flags,
// moves). The rows on screen stay until the fresh ones arrive; selection
// is by message id, and when the user has scrolled down the same message
// stays at the top of the view although new mail was added above it.
func (l *msgList) reload(keepScroll bool) {
	if l.src == nil {
		return
	}
	if l.onSource != nil {
		l.onSource(l.src, false)
	}
	if l.hidden {
		l.stale = true
		return
	}
	l.gen++
	gen, src, order, st := l.gen, l.src, l.order, l.st()
	offset := l.list.GetScrollOffset()
	topIdx := 0
	if l.rowPitch > 0 {
		topIdx = int(offset / l.rowPitch)
	}
	topID := int64(0)
	if m, ok := l.peek(topIdx); ok {
		topID = m.ID
	}
	// Reload the pages around what is on screen; the others are dropped.
	want := []int{topIdx / pageSize}
	if (topIdx+60)/pageSize != want[0] {
		want = append(want, (topIdx+60)/pageSize)
	}
	l.ui.goWork(func(ctx context.Context) {
		n, err := src.count(ctx, st)
		fresh := map[int][]store.Summary{}
		for _, p := range want {
			if err != nil || p*pageSize >= n {
				break
			}
			var rows []store.Summary
			rows, err = src.page(ctx, st, order, p*pageSize, pageSize)
			fresh[p] = rows
		}
		l.ui.do(func() {
			if gen != l.gen {
				return
			}
			if err != nil {
				l.reportError(err)
				return
			}
			l.total = n
			l.pages = map[int][]store.Summary{}
			l.lru = nil
			l.loading = map[int]int{}
			for _, p := range want {
				if rows, ok := fresh[p]; ok {
					l.putPage(p, rows)
				}
			}
			l.pruneSelection(fresh)
			if keepScroll && topID != 0 && offset > 0 {
				if ni, ok := l.indexOf(topID); ok && ni != topIdx {
					l.list.ScrollToOffset(offset + float32(ni-topIdx)*l.rowPitch)
				}
			}
			l.list.Refresh()
			if l.onSelect != nil {
				l.onSelect()
			}
		})
	})
}

// pruneSelection drops selected messages that are gone from the loaded
// pages' range (moved or deleted); selections outside the loaded pages are
// kept, they cannot be checked cheaply.
func (l *msgList) pruneSelection(fresh map[int][]store.Summary) {
	present := map[int64]bool{}
	for _, rows := range fresh {
		for _, m := range rows {
			present[m.ID] = true
		}
	}
	if l.total == 0 || len(fresh) == len(l.pagesCovering()) {
		for id := range l.selected {
			if !present[id] {
				delete(l.selected, id)
			}
		}
		if l.cursor != 0 && !present[l.cursor] {
			l.cursor = 0
		}
	}
}

// pagesCovering lists every page index of the current total.
func (l *msgList) pagesCovering() []int {
	var ps []int
	for p := 0; p*pageSize < l.total; p++ {
		ps = append(ps, p)
	}
	return ps
}

// peek returns a loaded row without asking for its page.
func (l *msgList) peek(i int) (store.Summary, bool) {
	rows, ok := l.pages[i/pageSize]
	if !ok || i < 0 || i%pageSize >= len(rows) {
		return store.Summary{}, false
	}
	return rows[i%pageSize], true
}

// indexOf finds a message among the loaded pages.
func (l *msgList) indexOf(id int64) (int, bool) {
	for p, rows := range l.pages {
		for j, m := range rows {
			if m.ID == id {
				return p*pageSize + j, true
			}
		}
	}
	return 0, false
}

// tapped handles a click on row i with modifiers.
func (l *msgList) tapped(i int, mod fyne.KeyModifier) {
	if l.onTap != nil {
		l.onTap()
	}
	m, ok := l.row(i)
	if !ok {
		return
	}
	switch {
	case mod&fyne.KeyModifierShift != 0 && l.anchor != 0:
		l.selectRange(i, m.ID)
	case mod&(fyne.KeyModifierShortcutDefault|fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0:
		if l.selected[m.ID] {
			delete(l.selected, m.ID)
		} else {
			l.selected[m.ID] = true
		}
		l.anchor = m.ID
		l.cursor = m.ID
		l.changed()
	default:
		l.selectOnly(i, m.ID)
	}
}

// dragged is what a drag starting on row i moves: the selection when the
// row is part of it, else that row's message alone.
func (l *msgList) dragged(i int) []int64 {
	m, ok := l.row(i)
	if !ok {
		return nil
	}
	if l.selected[m.ID] {
		return l.selectedIDs()
	}
	return []int64{m.ID}
}

// selectOnly makes row i (message id) the only selected one.
func (l *msgList) selectOnly(i int, id int64) {
	l.selected = map[int64]bool{id: true}
	l.cursor, l.anchor = id, id
	l.list.ScrollTo(i)
	l.changed()
}

// selectRange selects from the anchor to row i. Rows whose pages are not
// loaded are read from the store first.
func (l *msgList) selectRange(i int, id int64) {
	a, ok := l.indexOf(l.anchor)
	if !ok {
		l.selectOnly(i, id)
		return
	}
	lo, hi := min(a, i), max(a, i)
	ids := make([]int64, 0, hi-lo+1)
	complete := true
	for k := lo; k <= hi; k++ {
		m, ok := l.peek(k)
		if !ok {
			complete = false
			break
		}
		ids = append(ids, m.ID)
	}
	apply := func(ids []int64) {
		l.selected = map[int64]bool{}
		for _, x := range ids {
			l.selected[x] = true
		}
		l.cursor = id
		l.changed()
	}
	if complete {
		apply(ids)
		return
	}
	gen, src, order, st := l.gen, l.src, l.order, l.st()
	l.ui.goWork(func(ctx context.Context) {
		rows, err := src.page(ctx, st, order, lo, hi-lo+1)
		l.ui.do(func() {
			if gen != l.gen {
				return
			}
			if err != nil {
				l.reportError(err)
				return
			}
			ids := make([]int64, len(rows))
			for k, m := range rows {
				ids[k] = m.ID
			}
			apply(ids)
		})
	})
}

func (l *msgList) changed() {
	l.list.Refresh()
	if l.onSelect != nil {
		l.onSelect()
	}
}

// selectedIDs returns the selected messages in a stable order.
func (l *msgList) selectedIDs() []int64 {
	ids := make([]int64, 0, len(l.selected))
	for id := range l.selected {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	return ids
}

// current returns the current message, if it is loaded.
func (l *msgList) current() (store.Summary, bool) {
	if l.cursor == 0 {
		return store.Summary{}, false
	}
	i, ok := l.indexOf(l.cursor)
	if !ok {
		return store.Summary{}, false
	}
	return l.peek(i)
}

// step moves the current message by delta rows (J/K, arrows); with extend
// the selection grows as with shift-click.
func (l *msgList) step(delta int, extend bool) {
	if l.total == 0 {
		return
	}
	i := 0
	if l.cursor != 0 {
		if k, ok := l.indexOf(l.cursor); ok {
			i = k + delta
		}
	}
	i = max(0, min(l.total-1, i))
	m, ok := l.row(i)
	if !ok {
		return
	}
	if extend && l.anchor != 0 {
		l.list.ScrollTo(i)
		l.selectRange(i, m.ID)
		return
	}
	l.selectOnly(i, m.ID)
}

// selectAll selects every message of the list (read from the store).
func (l *msgList) selectAll() {
	if l.total == 0 {
		return
	}
	gen, src, order, st, n := l.gen, l.src, l.order, l.st(), l.total
	l.ui.goWork(func(ctx context.Context) {
		rows, err := src.page(ctx, st, order, 0, n)
		l.ui.do(func() {
			if gen != l.gen || err != nil {
				return
			}
			l.selected = map[int64]bool{}
			for _, m := range rows {
				l.selected[m.ID] = true
			}
			l.changed()
		})
	})
}

// formatDate shows the time for today, "Yesterday", the weekday for the
// days before within the last week, else the date.
func formatDate(d, now time.Time) string {
	if d.IsZero() || d.Unix() == 0 {
		return ""
	}
	d = d.In(now.Location())
	y1, m1, d1 := d.Date()
	y2, m2, d2 := now.Date()
	today := time.Date(y2, m2, d2, 0, 0, 0, 0, now.Location())
	day := time.Date(y1, m1, d1, 0, 0, 0, 0, now.Location())
	// Rounded: a day with a daylight-saving change has 23 or 25 hours.
	switch days := int(math.Round(today.Sub(day).Hours() / 24)); {
	case days == 0:
		return d.Format("15:04")
	case days == 1:
		return T("date.yesterday")
	case days > 1 && days < 7:
		return widgets.Weekday(d)
	}
	return d.Format("2006-01-02")
}

func firstLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
