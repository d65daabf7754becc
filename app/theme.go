package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme preferences (AppSettings.Theme).
const (
	ThemeSystem = "system"
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// variantTheme is Fyne's theme with the light or dark variant forced: Fyne
// 2.7 follows the desktop's variant and has no switch of its own, so the
// wrapper ignores the variant it is asked for.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// themeFor returns the theme for a preference ("system", "light", "dark").
func themeFor(pref string) fyne.Theme {
	switch pref {
	case ThemeLight:
		return variantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantLight}
	case ThemeDark:
		return variantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantDark}
	}
	return theme.DefaultTheme()
}

// applyTheme sets the theme of the whole application.
func applyTheme(a fyne.App, pref string) {
	a.Settings().SetTheme(themeFor(pref))
}

// readableDisabled is the application's theme with disabled text drawn in
// the normal text colour, for read-only text shown in a disabled entry.
// It asks the application for its theme at each call, so that a change of
// theme reaches it.
type readableDisabled struct{}

func (readableDisabled) current() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (t readableDisabled) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameDisabled {
		n = theme.ColorNameForeground
	}
	return t.current().Color(n, v)
}

func (t readableDisabled) Font(s fyne.TextStyle) fyne.Resource { return t.current().Font(s) }

func (t readableDisabled) Icon(n fyne.ThemeIconName) fyne.Resource { return t.current().Icon(n) }

func (t readableDisabled) Size(n fyne.ThemeSizeName) float32 { return t.current().Size(n) }
