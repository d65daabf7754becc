package widgets

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// AddressSuggestion is one completion offered under an address entry.
type AddressSuggestion struct {
	Name, Email string
}

// String is the form put into the entry: "Name <email>" or the bare
// address. Names with characters special in a header are quoted.
func (s AddressSuggestion) String() string {
	if s.Name == "" {
		return s.Email
	}
	name := s.Name
	if strings.ContainsAny(name, `",;<>@()[]:\.`) {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + s.Email + ">"
}

// AddressEntry is a one-line entry for a comma-separated list of
// addresses that offers completions for the address being typed (the text
// after the last comma). The owner answers OnQuery (off the UI goroutine
// if it reads a store) by calling ShowSuggestions on the UI goroutine.
// Down and Up pick a suggestion, Enter or Tab accepts it, Escape closes
// the list.
type AddressEntry struct {
	widget.Entry

	// OnQuery is called with the address being typed after each change.
	OnQuery func(typed string)
	// OnEdited is called after every change of the text.
	OnEdited func()
	// OnShortcut, when set, sees every shortcut typed in the entry first
	// and reports whether it took it. A focused entry gets the shortcuts
	// of its window before the window does, and drops those it does not
	// know: the window's own (compose's Ctrl+Enter) go through here.
	OnShortcut func(fyne.Shortcut) bool

	popup    *widget.PopUp
	keys     *keyPasser
	list     *widget.List
	items    []AddressSuggestion
	selected int
	lastTok  string
	keying   bool
}

// NewAddressEntry returns an empty address entry.
func NewAddressEntry() *AddressEntry {
	e := &AddressEntry{}
	e.ExtendBaseWidget(e)
	e.Entry.OnChanged = func(string) { e.changed() }
	return e
}

// TypedShortcut offers sc to OnShortcut, then to the entry.
func (e *AddressEntry) TypedShortcut(sc fyne.Shortcut) {
	if e.OnShortcut != nil && e.OnShortcut(sc) {
		return
	}
	e.Entry.TypedShortcut(sc)
}

// CurrentToken is the address being typed: the text after the last
// separator, trimmed.
func (e *AddressEntry) CurrentToken() string {
	t := e.Text
	if i := strings.LastIndexAny(t, ",;"); i >= 0 {
		t = t[i+1:]
	}
	return strings.TrimSpace(t)
}

func (e *AddressEntry) changed() {
	if e.OnEdited != nil {
		e.OnEdited()
	}
	tok := e.CurrentToken()
	e.lastTok = tok
	if tok == "" {
		e.HideSuggestions()
		return
	}
	if e.OnQuery != nil {
		e.OnQuery(tok)
	}
}

// ShowSuggestions shows completions for typed; a late answer for an older
// token is ignored.
func (e *AddressEntry) ShowSuggestions(typed string, items []AddressSuggestion) {
	if typed != e.lastTok {
		return
	}
	e.items = items
	e.selected = 0
	if len(items) == 0 {
		e.HideSuggestions()
		return
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(e)
	if c == nil {
		return
	}
	if e.popup == nil {
		e.list = widget.NewList(func() int { return len(e.items) },
			func() fyne.CanvasObject { return widget.NewLabel("name <address@example.org>") },
			func(id widget.ListItemID, o fyne.CanvasObject) {
				if id < len(e.items) {
					o.(*widget.Label).SetText(e.items[id].String())
				}
			})
		e.list.OnSelected = func(id widget.ListItemID) {
			if id < len(e.items) && !e.keying {
				e.accept(e.items[id])
			}
		}
		e.keys = &keyPasser{e: e, content: e.list}
		e.keys.ExtendBaseWidget(e.keys)
		e.popup = widget.NewPopUp(e.keys, c)
	}
	e.list.Refresh()
	e.list.UnselectAll()
	rows := len(items)
	if rows > 6 {
		rows = 6
	}
	rowH := widget.NewLabel("x").MinSize().Height
	e.popup.Resize(fyne.NewSize(e.Size().Width, float32(rows)*(rowH+4)+4))
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(e)
	e.popup.ShowAtPosition(pos.Add(fyne.NewPos(0, e.Size().Height)))
	c.Focus(e.keys)
}

// keyPasser holds the suggestion list in the pop-up and passes every key
// it gets on to the entry. A shown pop-up is an overlay, and Fyne gives
// the keyboard to the focused object of the topmost overlay, not to the
// window's: without an object there to take the keys, everything typed
// after the first suggestions appeared was lost. The entry stays focused
// in the window underneath (its cursor keeps blinking) and gets the keys
// back directly once the list closes.
type keyPasser struct {
	widget.BaseWidget
	e       *AddressEntry
	content fyne.CanvasObject
}

func (k *keyPasser) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(k.content)
}

func (k *keyPasser) FocusGained()                   {}
func (k *keyPasser) FocusLost()                     {}
func (k *keyPasser) TypedRune(r rune)               { k.e.TypedRune(r) }
func (k *keyPasser) TypedKey(ev *fyne.KeyEvent)     { k.e.TypedKey(ev) }
func (k *keyPasser) TypedShortcut(sc fyne.Shortcut) { k.e.TypedShortcut(sc) }
func (k *keyPasser) KeyDown(ev *fyne.KeyEvent)      { k.e.KeyDown(ev) }
func (k *keyPasser) KeyUp(ev *fyne.KeyEvent)        { k.e.KeyUp(ev) }

// Suggestions are the completions shown now (nil when the list is closed).
func (e *AddressEntry) Suggestions() []AddressSuggestion {
	if e.popup == nil || !e.popup.Visible() {
		return nil
	}
	return e.items
}

// HideSuggestions closes the completion list.
func (e *AddressEntry) HideSuggestions() {
	if e.popup != nil {
		e.popup.Hide()
	}
}

// Accept puts suggestion i in place of the address being typed.
func (e *AddressEntry) Accept(i int) {
	if i >= 0 && i < len(e.items) {
		e.accept(e.items[i])
	}
}

func (e *AddressEntry) accept(s AddressSuggestion) {
	head := ""
	if i := strings.LastIndexAny(e.Text, ",;"); i >= 0 {
		head = strings.TrimRight(e.Text[:i+1], " ") + " "
	}
	e.HideSuggestions()
	e.lastTok = ""
	text := head + s.String() + ", "
	e.Entry.OnChanged = nil
	e.SetText(text)
	e.Entry.OnChanged = func(string) { e.changed() }
	if e.OnEdited != nil {
		e.OnEdited()
	}
	e.CursorColumn = len([]rune(text))
	e.Refresh()
	if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
		c.Focus(e)
	}
}

// TypedKey handles the completion list's keys.
func (e *AddressEntry) TypedKey(ev *fyne.KeyEvent) {
	if open := e.Suggestions(); len(open) > 0 {
		switch ev.Name {
		case fyne.KeyDown:
			e.selected = (e.selected + 1) % len(open)
			e.list.ScrollTo(e.selected)
			e.keying = true
			e.list.Select(e.selected)
			e.keying = false
			return
		case fyne.KeyUp:
			e.selected = (e.selected - 1 + len(open)) % len(open)
			e.list.ScrollTo(e.selected)
			e.keying = true
			e.list.Select(e.selected)
			e.keying = false
			return
		case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyTab:
			e.accept(open[e.selected])
			return
		case fyne.KeyEscape:
			e.HideSuggestions()
			return
		}
	}
	e.Entry.TypedKey(ev)
}
