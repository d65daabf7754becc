package store

import (
	"context"
	"strings"
)

// AddressUse is one correspondent with a rank: how much the user writes to
// and hears from them.
type AddressUse struct {
	Name  string
	Addr  string // lower case
	Score int
}

// Weights of the address book ranking: writing to someone counts more than
// hearing from them.
const (
	addrWeightSentTo   = 5
	addrWeightFrom     = 2
	addrWeightCopiedOn = 1
)

// AddressBook ranks every address seen in the cache: recipients of mail in
// Sent folders weigh most, senders of received mail next, other
// recipients of received mail least. Names are the most recent non-empty
// ones. Highest score first, at most limit (0: all).
func (s *Store) AddressBook(ctx context.Context, limit int) ([]AddressUse, error) {
	q := `
WITH uses(addr, name, w, d) AS (
	SELECT lower(m.from_addr), m.from_name, ?, m.date
	  FROM messages m JOIN folders f ON f.id = m.folder_id
	 WHERE m.from_addr <> '' AND f.role NOT IN ('sent', 'drafts')
	UNION ALL
	SELECT lower(json_extract(j.value, '$.a')), coalesce(json_extract(j.value, '$.n'), ''),
	       CASE WHEN f.role = 'sent' THEN ? ELSE ? END, m.date
	  FROM messages m JOIN folders f ON f.id = m.folder_id, json_each(m.to_json) j
	 WHERE f.role <> 'drafts'
	UNION ALL
	SELECT lower(json_extract(j.value, '$.a')), coalesce(json_extract(j.value, '$.n'), ''),
	       CASE WHEN f.role = 'sent' THEN ? ELSE ? END, m.date
	  FROM messages m JOIN folders f ON f.id = m.folder_id, json_each(m.cc_json) j
	 WHERE f.role <> 'drafts'
)
SELECT addr,
       coalesce(substr(max(CASE WHEN name <> '' THEN printf('%020d', d) || char(1) || name END), 22), ''),
       sum(w)
  FROM uses
 WHERE addr IS NOT NULL AND addr <> '' AND instr(addr, '@') > 0
 GROUP BY addr
 ORDER BY sum(w) DESC, addr`
	args := []any{addrWeightFrom, addrWeightSentTo, addrWeightCopiedOn, addrWeightSentTo, addrWeightCopiedOn}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, storageErr("address book", err)
	}
	defer rows.Close()
	var out []AddressUse
	for rows.Next() {
		var u AddressUse
		if err := rows.Scan(&u.Addr, &u.Name, &u.Score); err != nil {
			return nil, storageErr("address book", err)
		}
		u.Addr = strings.TrimSpace(u.Addr)
		out = append(out, u)
	}
	return out, storageErr("address book", rows.Err())
}
