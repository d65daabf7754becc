// Package account holds accounts, identities and application settings, and
// keeps them in one human-readable file, settings.json, in the profile
// directory (DefaultProfileDir: os.UserConfigDir()/hongyan). The local mail
// cache lives under CacheDir(profileDir).
//
// The file never holds a password: there is no password field, Save
// refuses any password-like key, and passwords live in the keyring (package
// secret) under the account ID.
//
// # settings.json, format 1
//
//	{
//	  "version": 1,                     // format; older files are migrated on Load
//	  "accounts": [                     // in the order shown in the application
//	    {
//	      "id": "3f9c0a7e12b4d5e6",       // stable; names keyring entries and cache dir
//	      "displayName": "Li Lei",        // sender name
//	      "email": "li.lei@example.cn",
//	      "incoming": {
//	        "protocol": "imap",           // "imap" or "pop3"
//	        "host": "imap.example.cn",
//	        "port": 993,
//	        "security": "tls",            // "tls" or "starttls"
//	        "username": "li.lei",
//	        "auth": "plain"               // "plain" or "login"
//	      },
//	      "outgoing": { "host": "smtp.example.cn", "port": 465,
//	                    "security": "tls", "username": "li.lei", "auth": "plain" },
//	      "identities": [                 // optional; first is the default From
//	        { "name": "Li Lei", "address": "li.lei@example.cn",
//	          "replyTo": "", "signature": "-- \nLi Lei" }
//	      ],
//	      "options": {
//	        "checkIntervalMinutes": 10,     // 0: only on demand
//	        "pop3LeaveOnServer": true,
//	        "pop3DeleteAfterDays": 0,       // 0: never
//	        "pop3DeleteWhenDeletedLocally": false,
//	        "syncWindowDays": 0,            // 0: all mail
//	        "remoteContent": "ask",         // "ask", "always" or "never"
//	        "allowedRemoteSenders": ["news@shop.example", "@example.org"]
//	      },
//	      "trustedCerts": [               // certificates accepted by the user
//	        { "host": "mail.example.cn", "sha256": "<64 hex digits>" }
//	      ]
//	    }
//	  ],
//	  "settings": {
//	    "theme": "system",              // "system", "light" or "dark"
//	    "language": "system",           // "system", "en" or "zh-CN"
//	    "notifications": true,
//	    "markReadAfterSeconds": 0,      // 0: at once, -1: never
//	    "undoSendSeconds": 5,
//	    "windowWidth": 0, "windowHeight": 0,
//	    "paneSplits": [0.2, 0.45]
//	  }
//	}
//
// Missing fields take their defaults. The file is written atomically
// (temporary file, fsync, rename, directory fsync) with mode 0600.
//
// Format 0 (no "version" field) had flat per-account server fields:
// "server", "port", "protocol", "ssl", "user", "smtpServer", "smtpPort",
// "smtpSsl", "signature", "checkMinutes", "leaveOnServer", and "theme" and
// "language" at the top level. Load migrates it, keeps the original as
// settings.json.v0.bak and saves format 1.
//
// A file that cannot be used is never reset silently: Load renames it to
// settings.json.broken-<timestamp> and returns an empty profile with a
// *BrokenProfileError saying where it went.
package account
