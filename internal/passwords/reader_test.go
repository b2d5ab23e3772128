package passwords

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(data []byte) ([]Row, error) {
	rd, err := NewReader(bytes.NewReader(data), "batch.csv")
	if err != nil {
		return nil, err
	}
	var rows []Row
	for {
		var r Row
		err := rd.Read(&r)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
}

func TestReaderRefuses(t *testing.T) {
	long := "serial,password\nA1,x\nA2," + strings.Repeat("y", 30<<20) + "\n"
	for _, c := range []struct {
		name, in  string
		line, col int
		mention   string
	}{
		{"empty file", "", 0, 0, "empty"},
		{"header only", "serial,password\n", 0, 0, "no rows"},
		{"no header", "AC200-1,Kq7mZp2xVt9w\nAC200-2,Wq8xN3tPz6Hb\n", 1, 0, "no \"password\" column"},
		{"no password column", "serial,mac\nA1,02:00:00:00:00:01\n", 1, 0, "no \"password\" column"},
		{"ragged row", "serial,password\nA1,x\nA2,y,z\n", 3, 0, "different number of fields"},
		{"bad UTF-8", "serial,password\nA1,ok\nA2,ab\xffc\n", 3, 4, "not UTF-8"},
		{"NUL byte", "serial,password\nA1,a\x00b\n", 2, 4, "NUL"},
		{"line of 30 MB", long, 3, 0, "longer than 1048576 bytes"},
		{"bad quote", "serial,password\nA1,\"unterminated\n", 2, 0, "quote"},
		{"unknown credential type", "password,credential_type\nabc,telnet\n", 2, 5, "credential_type"},
		{"column twice", "password,Password\nx,y\n", 1, 10, "appears twice"},
		{"binary", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 1, 1, "UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readAll([]byte(c.in))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v, want an InputError", err)
			}
			if ie.Line != c.line || (c.col > 0 && ie.Column != c.col) || !strings.Contains(ie.Error(), c.mention) || ie.File != "batch.csv" {
				t.Fatalf("%q at line %d column %d; want line %d column %d mentioning %q", ie.Error(), ie.Line, ie.Column, c.line, c.col, c.mention)
			}
		})
	}
}

func TestReaderAccepts(t *testing.T) {
	rows, err := readAll([]byte("\ufeffSerial, MAC ,ssid,password,notes\r\nA1,02:00:00:00:00:01,Home,\"p,w\"\"1\",x\r\nA2,02:00:00:00:00:02,Home,user-defined,\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[0].Serial != "A1" || rows[0].MAC != "02:00:00:00:00:01" || rows[0].Password != `p,w"1` || rows[1].Line != 3 {
		t.Fatalf("%+v", rows)
	}
	rd, _ := NewReader(strings.NewReader("password,notes,extra\nx,1,2\n"), "b")
	if got := rd.Ignored(); len(got) != 2 {
		t.Fatalf("ignored columns %v", got)
	}
}

// TestAuditWritesNothingOnBadInput checks that an unusable batch leaves the
// findings output untouched, even when the problem is deep in the file.
func TestAuditWritesNothingOnBadInput(t *testing.T) {
	var b strings.Builder
	b.WriteString("serial,password\n")
	for i := range 100000 {
		b.WriteString("S" + strings.Repeat("0", 6) + string(rune('a'+i%26)) + ",admin\n")
	}
	b.WriteString("S9,bad\xff\n")
	var findings bytes.Buffer
	_, err := Audit(context.Background(), strings.NewReader(b.String()), Config{Findings: &findings, InputName: "b.csv", TempDir: t.TempDir()})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 100002 {
		t.Fatalf("error %v, want an InputError at line 100002", err)
	}
	if findings.Len() != 0 {
		t.Fatalf("%d bytes of findings written for an unusable batch", findings.Len())
	}
}

// FuzzReader feeds the reader arbitrary bytes: it must never panic, every
// refusal must be an InputError naming the file, and accepted rows come in
// line order.
func FuzzReader(f *testing.F) {
	f.Add([]byte("serial,mac,password\nA1,02:00:00:00:00:01,Kq7mZp2xVt9w\n"))
	f.Add([]byte("password\n\"a\"\"b\"\nuser-defined\n"))
	f.Add([]byte("\ufeffpassword,credential_type\nx,wifi_psk\ny,api_key\n"))
	f.Add([]byte("password\n\xff\n"))
	f.Add([]byte("a,b\n1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := readAll(data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "batch.csv" || ie.Line < 0 {
				t.Fatalf("error %#v is not a proper InputError", err)
			}
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("row at line %d after line %d", r.Line, last)
			}
			last = r.Line
		}
	})
}
