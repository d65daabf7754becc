package app

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/account"
)

// serverForm edits an account's incoming and outgoing server: host, port,
// security and user name. The incoming protocol is shown, not offered:
// changing between IMAP and POP3 is a new account.
type serverForm struct {
	proto                     string
	inHost, inPort, inUser    *widget.Entry
	outHost, outPort, outUser *widget.Entry
	inSec, outSec             *widget.Select
	content                   fyne.CanvasObject
}

func newServerForm(a account.Account) *serverForm {
	f := &serverForm{proto: a.Incoming.Protocol}
	entry := func(text string) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(text)
		return e
	}
	f.inHost, f.inPort, f.inUser = entry(a.Incoming.Host), entry(strconv.Itoa(a.Incoming.Port)), entry(a.Incoming.Username)
	f.outHost, f.outPort, f.outUser = entry(a.Outgoing.Host), entry(strconv.Itoa(a.Outgoing.Port)), entry(a.Outgoing.Username)
	f.outUser.SetPlaceHolder(T("servers.same_user"))
	secs := []string{secLabelTLS, secLabelSTARTTLS}
	f.inSec = widget.NewSelect(secs, nil)
	f.inSec.SetSelected(secLabel(a.Incoming.Security))
	f.inSec.OnChanged = func(s string) { portFollowsSecurity(f.inPort, f.proto, secValue(s)) }
	f.outSec = widget.NewSelect(secs, nil)
	f.outSec.SetSelected(secLabel(a.Outgoing.Security))
	f.outSec.OnChanged = func(s string) { portFollowsSecurity(f.outPort, "smtp", secValue(s)) }
	protoLabel := protoLabelIMAP
	if f.proto == account.ProtocolPOP3 {
		protoLabel = protoLabelPOP3
	}
	bold := func(key string) *widget.Label {
		return widget.NewLabelWithStyle(T(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	// Side by side: the settings window is not tall enough for both forms
	// one above the other.
	f.content = container.NewGridWithColumns(2, container.NewVBox(
		bold("wizard.incoming"),
		widget.NewForm(
			widget.NewFormItem(T("wizard.protocol"), widget.NewLabel(protoLabel)),
			widget.NewFormItem(T("wizard.host"), f.inHost),
			widget.NewFormItem(T("wizard.port"), f.inPort),
			widget.NewFormItem(T("wizard.security"), f.inSec),
			widget.NewFormItem(T("wizard.username"), f.inUser))), container.NewVBox(
		bold("wizard.outgoing"),
		widget.NewForm(
			widget.NewFormItem(T("wizard.host"), f.outHost),
			widget.NewFormItem(T("wizard.port"), f.outPort),
			widget.NewFormItem(T("wizard.security"), f.outSec),
			widget.NewFormItem(T("wizard.username"), f.outUser))))
	return f
}

// apply returns a with the form's servers, or an error naming the first
// field that cannot be used.
func (f *serverForm) apply(a account.Account) (account.Account, error) {
	bad := errors.New(T("wizard.error.settings"))
	inHost, outHost := strings.TrimSpace(f.inHost.Text), strings.TrimSpace(f.outHost.Text)
	if account.CheckHost(inHost) != nil || account.CheckHost(outHost) != nil {
		return a, bad
	}
	inPort, ok1 := validPort(f.inPort.Text)
	outPort, ok2 := validPort(f.outPort.Text)
	inUser := strings.TrimSpace(f.inUser.Text)
	if !ok1 || !ok2 || inUser == "" {
		return a, bad
	}
	a.Incoming.Host, a.Incoming.Port, a.Incoming.Security, a.Incoming.Username = inHost, inPort, secValue(f.inSec.Selected), inUser
	a.Outgoing.Host, a.Outgoing.Port, a.Outgoing.Security, a.Outgoing.Username = outHost, outPort, secValue(f.outSec.Selected), strings.TrimSpace(f.outUser.Text)
	return a, nil
}

// editServers lets the user change an account's servers. The new settings
// are tested with the saved passwords before they are saved; when the test
// fails the user may save them anyway (a server down for the moment).
func (sw *settingsWindow) editServers(a account.Account) {
	f := newServerForm(a)
	var d dialog.Dialog
	d = dialog.NewCustomConfirm(T("servers.title"), T("servers.test_save"), T("dialog.cancel"), f.content, func(ok bool) {
		if !ok {
			return
		}
		b, err := f.apply(a)
		if err != nil {
			d.Show()
			dialog.ShowError(err, sw.win)
			return
		}
		sw.testAndSaveServers(b)
	}, sw.win)
	d.Resize(fyne.NewSize(680, 0))
	d.Show()
	sw.serverForm = f
}

func (sw *settingsWindow) testAndSaveServers(b account.Account) {
	eng := sw.m.eng
	save := func() {
		sw.updateAccount(b, func() {
			if sw.onServersSaved != nil {
				sw.onServersSaved()
			}
		})
	}
	sw.m.ui.goWork(func(ctx context.Context) {
		inErr, outErr := eng.CheckServers(ctx, b)
		sw.m.ui.do(func() {
			if inErr == nil && outErr == nil {
				save()
				return
			}
			var lines []string
			if inErr != nil {
				lines = append(lines, T("servers.incoming_failed", map[string]any{"Reason": probeReason(inErr)}))
			}
			if outErr != nil {
				lines = append(lines, T("servers.outgoing_failed", map[string]any{"Reason": probeReason(outErr)}))
			}
			msg := widget.NewLabel(strings.Join(lines, "\n\n") + "\n\n" + T("servers.save_anyway"))
			msg.Wrapping = fyne.TextWrapWord
			c := dialog.NewCustomConfirm(T("servers.failed_title"), T("servers.save"), T("dialog.cancel"), msg, func(ok bool) {
				if ok {
					save()
				}
			}, sw.win)
			c.Resize(fyne.NewSize(480, 0))
			c.Show()
			if sw.onServersFailed != nil {
				sw.onServersFailed(inErr, outErr)
			}
		})
	})
}
