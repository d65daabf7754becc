package mailtest

import (
	"fmt"
	"strings"
)

// Settings shared by the Dovecot and Postfix configurations of one stack.
type confParams struct {
	Dir          string // stack root
	Domain       string
	Host         string
	IMAP, IMAPS  int
	POP3, POP3S  int
	Sub, Subs    int
	UID, GID     int // owner of the mail store
	CertFile     string
	KeyFile      string
	MaxMsgSize   int64
	QuotaMB      int
	LMTPSocket   string
	AuthSocket   string
	PassdbDir    string
	DovecotLog   string
	PostfixLog   string
	PostfixQueue string
	PostfixData  string
	MailRoot     string
}

// dovecotConf renders a self-contained dovecot.conf. Dovecot's parser wants
// one setting per line, including inside { } blocks.
func dovecotConf(p confParams) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Hongyan test stack (generated)")
	w("protocols = imap pop3 lmtp")
	w("base_dir = %s/dovecot/run", p.Dir)
	w("state_dir = %s/dovecot/state", p.Dir)
	w("instance_name = hongyan-%s", lastElem(p.Dir))
	w("listen = %s", p.Host)
	w("log_path = %s", p.DovecotLog)
	w("info_log_path = %s", p.DovecotLog)
	w("default_login_user = dovenull")
	w("default_internal_user = dovecot")
	w("first_valid_uid = %d", p.UID)
	w("first_valid_gid = %d", p.GID)
	w("mail_location = maildir:~/Maildir")
	w("mail_fsync = never")
	w("mail_plugins = quota")
	w("mail_max_userip_connections = 200")
	w("auth_mechanisms = plain login")
	w("auth_failure_delay = 0")
	w("disable_plaintext_auth = yes")
	w("ssl = required")
	w("ssl_cert = <%s", p.CertFile)
	w("ssl_key = <%s", p.KeyFile)
	w("ssl_min_protocol = TLSv1.2")
	w("recipient_delimiter = +")
	w("postmaster_address = postmaster@%s", p.Domain)
	w("hostname = mail.%s", p.Domain)
	w("lmtp_save_to_detail_mailbox = no")
	w("passdb {")
	w("  driver = passwd-file")
	// One passwd-file per user, so new users are seen at once.
	w("  args = scheme=SSHA512 username_format=%%Ln %s/%%Ln", p.PassdbDir)
	w("}")
	w("userdb {")
	w("  driver = static")
	w("  args = uid=%d gid=%d home=%s/%%Ln", p.UID, p.GID, p.MailRoot)
	w("}")
	w("namespace inbox {")
	w("  inbox = yes")
	w("  separator = /")
	for _, m := range []struct{ name, use string }{
		{"Drafts", `\Drafts`}, {"Sent", `\Sent`}, {"Trash", `\Trash`},
		{"Junk", `\Junk`}, {"Archive", `\Archive`},
	} {
		w("  mailbox %s {", m.name)
		w("    special_use = %s", m.use)
		w("    auto = subscribe")
		w("  }")
	}
	w("}")
	w("plugin {")
	w("  quota = maildir:User quota")
	w("  quota_rule = *:storage=%dM", p.QuotaMB)
	w("}")
	w("protocol imap {")
	w("  mail_plugins = $mail_plugins imap_quota")
	w("  imap_idle_notify_interval = 2 mins")
	w("}")
	w("protocol pop3 {")
	w("  pop3_uidl_format = %%08Xu%%08Xv")
	w("}")
	w("protocol lmtp {")
	w("  mail_plugins = $mail_plugins")
	w("}")
	w("service imap-login {")
	w("  inet_listener imap {")
	w("    address = %s", p.Host)
	w("    port = %d", p.IMAP)
	w("  }")
	w("  inet_listener imaps {")
	w("    address = %s", p.Host)
	w("    port = %d", p.IMAPS)
	w("    ssl = yes")
	w("  }")
	w("}")
	w("service pop3-login {")
	w("  inet_listener pop3 {")
	w("    address = %s", p.Host)
	w("    port = %d", p.POP3)
	w("  }")
	w("  inet_listener pop3s {")
	w("    address = %s", p.Host)
	w("    port = %d", p.POP3S)
	w("    ssl = yes")
	w("  }")
	w("}")
	w("service lmtp {")
	w("  unix_listener %s {", p.LMTPSocket)
	w("    mode = 0666")
	w("  }")
	w("}")
	w("service auth {")
	w("  unix_listener %s {", p.AuthSocket)
	w("    mode = 0666")
	w("  }")
	w("}")
	w("service imap {")
	w("  process_limit = 512")
	w("}")
	w("service pop3 {")
	w("  process_limit = 512")
	w("}")
	return b.String()
}

// postfixMainCf renders the private instance's main.cf.
func postfixMainCf(p confParams) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Hongyan test stack (generated)")
	w("compatibility_level = 3.6")
	w("queue_directory = %s", p.PostfixQueue)
	w("data_directory = %s", p.PostfixData)
	w("mail_owner = postfix")
	w("setgid_group = postdrop")
	w("myhostname = mail.%s", p.Domain)
	w("mydomain = %s", p.Domain)
	w("myorigin = $mydomain")
	w("mydestination =")
	w("inet_interfaces = %s", p.Host)
	w("inet_protocols = ipv4")
	w("mynetworks = %s/32", p.Host)
	w("maillog_file = %s", p.PostfixLog)
	w("maillog_file_prefixes = %s", p.Dir)
	w("alias_maps =")
	w("alias_database =")
	w("biff = no")
	w("recipient_delimiter = +")
	w("append_dot_mydomain = no")
	w("message_size_limit = %d", p.MaxMsgSize)
	w("mailbox_size_limit = 0")
	// Nothing may ever leave the machine: every non-local transport fails.
	w("local_transport = error:local delivery is disabled in the test stack")
	w("default_transport = error:outbound delivery is disabled in the test stack")
	w("relay_transport = error:relaying is disabled in the test stack")
	w("virtual_mailbox_domains = %s", p.Domain)
	w("virtual_transport = lmtp:unix:%s", p.LMTPSocket)
	w("smtpd_banner = $myhostname ESMTP Hongyan test stack")
	w("smtpd_error_sleep_time = 0")
	w("smtpd_soft_error_limit = 100")
	w("smtpd_hard_error_limit = 200")
	w("smtpd_tls_chain_files = %s, %s", p.KeyFile, p.CertFile)
	w("smtpd_tls_security_level = may")
	w("smtpd_tls_loglevel = 0")
	w("smtpd_sasl_type = dovecot")
	w("smtpd_sasl_path = %s", p.AuthSocket)
	w("smtpd_sasl_auth_enable = no")
	w("smtpd_sasl_security_options = noanonymous")
	w("smtpd_tls_auth_only = yes")
	w("smtpd_relay_restrictions = reject_unauth_destination")
	w("smtpd_recipient_restrictions = permit_sasl_authenticated, reject")
	w("smtp_tls_security_level = none")
	w("lmtp_tls_security_level = none")
	return b.String()
}

// postfixMasterCf renders master.cf: no port-25 listener, no chroot, the two
// submission services on loopback and the internal services Postfix needs.
func postfixMasterCf(p confParams) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Hongyan test stack (generated)")
	sub := []string{
		"  -o smtpd_sasl_auth_enable=yes",
		"  -o smtpd_tls_auth_only=yes",
		"  -o smtpd_client_restrictions=permit_sasl_authenticated,reject",
		"  -o smtpd_relay_restrictions=reject_unauth_destination",
		"  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject",
		"  -o milter_macro_daemon_name=ORIGINATING",
	}
	w("%s:%d inet n - n - - smtpd", p.Host, p.Sub)
	w("  -o syslog_name=postfix/submission")
	w("  -o smtpd_tls_security_level=encrypt")
	for _, l := range sub {
		w("%s", l)
	}
	w("%s:%d inet n - n - - smtpd", p.Host, p.Subs)
	w("  -o syslog_name=postfix/submissions")
	w("  -o smtpd_tls_wrappermode=yes")
	w("  -o smtpd_tls_security_level=encrypt")
	for _, l := range sub {
		w("%s", l)
	}
	for _, l := range []string{
		"pickup    unix  n       -       n       60      1       pickup",
		"cleanup   unix  n       -       n       -       0       cleanup",
		"qmgr      unix  n       -       n       300     1       qmgr",
		"tlsmgr    unix  -       -       n       1000?   1       tlsmgr",
		"rewrite   unix  -       -       n       -       -       trivial-rewrite",
		"bounce    unix  -       -       n       -       0       bounce",
		"defer     unix  -       -       n       -       0       bounce",
		"trace     unix  -       -       n       -       0       bounce",
		"verify    unix  -       -       n       -       1       verify",
		"flush     unix  n       -       n       1000?   0       flush",
		"proxymap  unix  -       -       n       -       -       proxymap",
		"proxywrite unix -       -       n       -       1       proxymap",
		"smtp      unix  -       -       n       -       -       smtp",
		"relay     unix  -       -       n       -       -       smtp",
		"showq     unix  n       -       n       -       -       showq",
		"error     unix  -       -       n       -       -       error",
		"retry     unix  -       -       n       -       -       error",
		"discard   unix  -       -       n       -       -       discard",
		"local     unix  -       n       n       -       -       local",
		"virtual   unix  -       n       n       -       -       virtual",
		"lmtp      unix  -       -       n       -       -       lmtp",
		"anvil     unix  -       -       n       -       1       anvil",
		"scache    unix  -       -       n       -       1       scache",
		"postlog   unix-dgram n  -       n       -       1       postlogd",
	} {
		w("%s", l)
	}
	return b.String()
}

func lastElem(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
