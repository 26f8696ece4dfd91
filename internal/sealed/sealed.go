// Package sealed frames the binary files nanospike writes (checkpoints, models) with a format
// version and a CRC-32C checksum of their payload, so that a flipped or missing byte is refused
// instead of loaded.
//
// A sealed file is
//
//	"NSPKSEAL" | version (uint16) | CRC-32C of the payload (uint32) | payload length (uint64) | payload
//
// with the integers little-endian. Files written before sealing (no magic) open as they are,
// unverified.
package sealed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

const (
	magic   = "NSPKSEAL"
	version = 1
	header  = len(magic) + 2 + 4 + 8
)

var table = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt reports a sealed file whose payload does not match its checksum or length.
var ErrCorrupt = errors.New("corrupt file: its checksum does not match its content (a changed, missing or extra byte)")

// Seal returns payload framed with the header.
func Seal(payload []byte) []byte {
	out := make([]byte, 0, header+len(payload))
	return append(appendHeader(out, payload), payload...)
}

// Write writes payload framed with the header to w, as Seal would return it, without a copy
// of the payload.
func Write(w io.Writer, payload []byte) error {
	if _, err := w.Write(appendHeader(make([]byte, 0, header), payload)); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// appendHeader appends payload's header to b.
func appendHeader(b, payload []byte) []byte {
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint16(b, version)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, table))
	return binary.LittleEndian.AppendUint64(b, uint64(len(payload)))
}

// Open returns the payload of data, verified when data is sealed (sealed true); data without
// the magic is returned as it is (a file from before sealing).
func Open(data []byte) (payload []byte, sealed bool, err error) {
	if !bytes.HasPrefix(data, []byte(magic)) {
		return data, false, nil
	}
	if len(data) < header {
		return nil, true, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrCorrupt, len(data), header)
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != version {
		return nil, true, fmt.Errorf("sealed format version %d, this build reads %d", v, version)
	}
	sum := binary.LittleEndian.Uint32(data[10:])
	n := binary.LittleEndian.Uint64(data[14:])
	payload = data[header:]
	if uint64(len(payload)) != n {
		return nil, true, fmt.Errorf("%w: %d payload bytes, the header says %d", ErrCorrupt, len(payload), n)
	}
	if crc32.Checksum(payload, table) != sum {
		return nil, true, ErrCorrupt
	}
	return payload, true, nil
}
