package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/assets"
)

// welcomeButtons are the welcome screen's actions, kept for tests.
type welcomeButtons struct {
	addAccount *widget.Button
	tryDemo    *widget.Button
}

// showWelcome shows the first-run screen: the icon, a greeting and the two
// ways to start (add an account, or try the demo).
func (m *mainWindow) showWelcome() welcomeButtons {
	content, buttons := m.welcomeContent()
	m.win.SetContent(content)
	m.win.SetMainMenu(m.welcomeMenu())
	return buttons
}

// welcomeMenu is the menu bar before there is an account: Settings (the
// language, say) and About are there from the first start.
func (m *mainWindow) welcomeMenu() *fyne.MainMenu {
	settings := withKey(fyne.NewMenuItem(T("menu.settings"), m.openSettings), "menu.settings")
	quit := withKey(fyne.NewMenuItem(T("menu.quit"), m.quit), "menu.quit")
	quit.IsQuit = true
	file := fyne.NewMenu(T("menu.file"),
		fyne.NewMenuItem(T("welcome.add_account"), func() { openWizard(m) }),
		settings,
		fyne.NewMenuItemSeparator(),
		quit,
	)
	help := fyne.NewMenu(T("menu.help"),
		fyne.NewMenuItem(T("menu.default_app"), func() { showDefaultApp(m.win) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(T("menu.about"), m.showAbout),
	)
	c := m.win.Canvas()
	c.AddShortcut(settings.Shortcut, func(fyne.Shortcut) { m.openSettings() })
	c.AddShortcut(quit.Shortcut, func(fyne.Shortcut) { m.quit() })
	return fyne.NewMainMenu(file, help)
}

func (m *mainWindow) welcomeContent() (fyne.CanvasObject, welcomeButtons) {
	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(160, 160))

	heading := canvas.NewText(T("welcome.heading"), theme.Color(theme.ColorNameForeground))
	heading.TextSize = theme.TextHeadingSize() * 1.4
	heading.TextStyle = fyne.TextStyle{Bold: true}
	heading.Alignment = fyne.TextAlignCenter

	subtitle := widget.NewLabelWithStyle(T("welcome.subtitle"), fyne.TextAlignCenter, fyne.TextStyle{})

	// "Add account…" opens the set-up wizard (openWizard, set by the
	// wizard's file) and is the main action, as the subtitle says; "Try
	// the demo" switches to the built-in demo account.
	add := widget.NewButtonWithIcon(T("welcome.add_account"), theme.ContentAddIcon(), func() { openWizard(m) })
	add.Importance = widget.HighImportance
	var demo *widget.Button
	demo = widget.NewButtonWithIcon(T("welcome.try_demo"), theme.MailComposeIcon(), func() {
		demo.Disable()
		m.showPlaceholder()
		m.ui.goWork(func(ctx context.Context) {
			if _, err := m.switchToDemo(ctx); err != nil {
				m.ui.do(func() { m.engineReady(nil, err) })
			}
		})
	})
	demo.Importance = widget.MediumImportance

	hint := widget.NewLabelWithStyle(T("welcome.demo_hint"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})

	box := container.NewVBox(
		container.NewCenter(icon),
		heading,
		subtitle,
		container.NewCenter(container.NewHBox(add, demo)),
		hint,
	)
	return container.NewCenter(box), welcomeButtons{addAccount: add, tryDemo: demo}
}
