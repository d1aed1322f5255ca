//! Hex transcript tests of the software My Number Card: each script line is
//! `COMMAND → RESPONSE` in hex. A response starting with `*` matches any data followed by
//! the given status word; `power_off` powers the card off. `#` starts a comment.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use inkan_sim::card::{CardState, fid};
use inkan_sim::{
    BlockedStatusAnswer, InitOptions, MissingSignCert, PinId, SoftCard, TokenKind,
    VerifiedStatusAnswer,
};

const SEL_JPKI: &str = "00A4040C0AD392F000260100000001";
const SEL_TEXT: &str = "00A4040C0AD3921000310001010408";
const SEL_SURFACE: &str = "00A4040C0AD3921000310001010402";

fn card(opts: &InitOptions) -> SoftCard {
    SoftCard::generate(opts).unwrap()
}

fn default_card() -> SoftCard {
    card(&InitOptions::default())
}

fn unhex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(&clean).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
}

/// Runs a transcript; returns the responses.
fn run(card: &mut SoftCard, script: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (n, raw) in script.lines().enumerate() {
        let line = raw.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        if line == "power_off" {
            card.power_off();
            continue;
        }
        let (cmd, expected) = line
            .split_once('→')
            .or_else(|| line.split_once("->"))
            .unwrap_or_else(|| panic!("line {}: no arrow: {line}", n + 1));
        let resp = card.process(&unhex(cmd));
        let expected = expected.trim();
        if let Some(sw) = expected.strip_prefix('*') {
            let sw = unhex(sw);
            assert!(
                resp.ends_with(&sw),
                "line {}: {cmd} → {} (expected …{})",
                n + 1,
                hex::encode_upper(&resp),
                hex::encode_upper(&sw)
            );
        } else {
            assert_eq!(
                hex::encode_upper(&resp),
                hex::encode_upper(unhex(expected)),
                "line {}: {cmd}",
                n + 1
            );
        }
        out.push(resp);
    }
    out
}

fn hexs(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

fn sha256_digest_info(msg: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut di = unhex("3031300D060960864801650304020105000420");
    di.extend_from_slice(&sha2::Sha256::digest(msg));
    di
}

fn sign_apdu(digest_info: &[u8]) -> String {
    format!("802A0080{:02X}{}00", digest_info.len(), hexs(digest_info))
}

#[test]
fn select_applications_and_files() {
    let mut c = default_card();
    run(
        &mut c,
        &format!(
            "
            00A4020C020006 → 6A82          # no AP selected yet
            {SEL_JPKI} → 9000
            {SEL_TEXT} → 9000
            {SEL_SURFACE} → 9000
            00A4040C0AD392F000260100000002 → 6A82   # unknown AID
            00A4040C05D392F00026 → 6A82             # partial AID
            {SEL_JPKI} → 9000
            00A4020C020006 → 9000
            00A4000C020006 → 6A86          # only P1=02 selects an EF
            00A4010C020006 → 6A86
            00A4080C020006 → 6A86
            00A4020C021234 → 6A82          # unknown EF
            00A4020C0100 → 6700            # FID must be two bytes
            00A4020402000A → 6A86          # bad P2
            00A4040C → 6700                # no AID
            "
        ),
    );
}

#[test]
fn token_info_and_availability() {
    for (token, label) in [
        (TokenKind::Card, "JPKIAPICCTOKEN2"),
        (TokenKind::OlderCard, "JPKIAPICCTOKEN"),
        (TokenKind::Phone, "JPKIAPGPSETOKEN"),
    ] {
        let mut c = card(&InitOptions {
            token,
            ..InitOptions::default()
        });
        let mut padded = label.as_bytes().to_vec();
        padded.resize(32, b' ');
        run(
            &mut c,
            &format!(
                "
                {SEL_JPKI} → 9000
                00A4020C020006 → 9000
                00B0000000 → {}9000
                00B0001010 → {}9000
                00B0002000 → 6B00
                00A4020C020008 → 9000
                00B0000003 → 8F8F009000
                ",
                hexs(&padded),
                hexs(&padded[16..])
            ),
        );
    }
}

#[test]
fn signature_certificate_needs_the_pin_and_reads_are_bounded() {
    let mut c = default_card();
    let cert = c.certs().sign.clone().unwrap();
    assert!(cert.len() < 2048);
    let head = hexs(&cert[..8]);
    let at_100 = hexs(&cert[0x100..0x200]);
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C020001 → 9000
            00B0000008 → 6982                  # before the signature PIN
            00A4020C02001B → 9000
            002000800641424331323300 → 6700    # VERIFY with an Le byte: wrong length
            00200080064142433132 → 6700        # Lc 6 but 5 bytes
            0020008006414243313233 → 9000      # ABC123
            00A4020C020001 → 9000
            00B0000008 → {head}9000
            00B0010000 → {at_100}9000
            00B007FF00 → FF9000                # last byte of the 2048-byte EF: padding
            00B0080001 → 6B00                  # offset at the end
            00B07FFF01 → 6B00
            00B0800001 → 6A86                  # SFI addressing not supported
            00B00000 → 6700                    # no Le
            00A4020C020002 → 9000              # CA certificate: free
            00B0000002 → 30829000
            00A4020C02000A → 9000
            00B0000002 → 30829000
            00A4020C02000B → 9000
            00B0000002 → 30829000
            "
        ),
    );
    // The whole EF: the DER object, then FF padding.
    let mut file = Vec::new();
    c.process(&unhex("00A4020C020001"));
    for off in (0..2048usize).step_by(256) {
        let r = c.process(&unhex(&format!("00B0{:04X}00", off)));
        assert_eq!(&r[r.len() - 2..], &[0x90, 0x00]);
        file.extend_from_slice(&r[..r.len() - 2]);
    }
    assert_eq!(file.len(), 2048);
    assert_eq!(&file[..cert.len()], &cert[..]);
    assert!(file[cert.len()..].iter().all(|b| *b == 0xFF));
}

#[test]
fn zero_padding_option() {
    let mut c = card(&InitOptions {
        padding: 0x00,
        ..InitOptions::default()
    });
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C02000A → 9000
            00B007FF01 → 009000
            "
        ),
    );
}

#[test]
fn auth_pin_lockout_sequence() {
    let mut c = default_card();
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00200080 → 6A88                    # no PIN EF selected
            00A4020C020018 → 9000
            00200080 → 63C3                    # counter, no try consumed
            00200080 → 63C3
            002000800430303030 → 63C2
            002000800430303030 → 63C1
            00200080 → 63C1
            002000800431323334 → 9000          # right PIN resets the counter
            00200080 → 63C3
            002000800430303030 → 63C2
            002000800430303030 → 63C1
            002000800430303030 → 63C0          # blocks now
            002000800431323334 → 6984          # blocked, even the right PIN
            002000800430303030 → 6984
            00200080 → 63C0
            "
        ),
    );
    assert_eq!(c.retries(PinId::Auth), 0);
}

#[test]
fn sign_pin_has_five_tries_and_blocked_status_can_be_6984() {
    let mut c = card(&InitOptions {
        blocked_status: BlockedStatusAnswer::Blocked,
        ..InitOptions::default()
    });
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C02001B → 9000
            00200080 → 63C5
            0020008006585858585858 → 63C4
            0020008006585858585858 → 63C3
            0020008006585858585858 → 63C2
            0020008006585858585858 → 63C1
            0020008006585858585858 → 63C0
            00200080 → 6984
            0020008006414243313233 → 6984
            "
        ),
    );
}

#[test]
fn empty_verify_after_success_both_behaviours() {
    let mut c = default_card();
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C020018 → 9000
            002000800431323334 → 9000
            00200080 → 63C3
            "
        ),
    );
    let mut c = card(&InitOptions {
        verified_status: VerifiedStatusAnswer::Ok,
        ..InitOptions::default()
    });
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C020018 → 9000
            00200080 → 63C3
            002000800431323334 → 9000
            00200080 → 9000
            002000800430303030 → 63C2          # a wrong VERIFY drops the status
            00200080 → 63C2
            "
        ),
    );
}

#[test]
fn change_pin() {
    let mut c = default_card();
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C02001B → 9000
            002401800658595A373839 → 6982      # not verified yet
            0020008006414243313233 → 9000
            002401800558595A3738 → 6A80        # 5 chars: too short
            002401800678797A373839 → 6A80      # lower case
            0024018011{long} → 6A80            # 17 chars: too long
            002400800658595A373839 → 6A86      # P1 must be 01
            002401800658595A373839 → 9000      # XYZ789
            power_off
            {SEL_JPKI} → 9000
            00A4020C02001B → 9000
            0020008006414243313233 → 63C4      # the old one is wrong now
            002000800658595A373839 → 9000
            00A4020C020018 → 9000
            002401800431323335 → 6982          # auth PIN not verified since power-off
            ",
            long = "41".repeat(17)
        ),
    );
    assert_eq!(c.state().pins.get(PinId::Sign).value, "XYZ789");
    // The auth PIN: 4 digits only.
    run(
        &mut c,
        "
        002000800431323334 → 9000
        00240180053132333435 → 6A80
        0024018004313233 41 → 6A80
        002401800439393939 → 9000
        ",
    );
    assert_eq!(c.state().pins.get(PinId::Auth).value, "9999");
}

#[test]
fn signatures_verify_with_the_certificate_keys() {
    use der::Decode;
    use rsa::pkcs8::DecodePublicKey;
    use x509_cert::Certificate;

    let mut c = default_card();
    let msg = b"inkan test message";
    let di = sha256_digest_info(msg);
    let resp = run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C02001A → 9000
            {sign} → 6982                      # signature PIN not verified
            00A4020C020018 → 9000
            002000800431323334 → 9000          # the auth PIN does not open the sign key
            00A4020C02001A → 9000
            {sign} → 6982
            00A4020C02001B → 9000
            0020008006414243313233 → 9000
            00A4020C020006 → 9000
            {sign} → 6A88                      # current EF is not a key
            00A4020C02001A → 9000
            802A00801000112233445566778899AABBCCDDEEFF00 → 6A80   # not a DigestInfo
            802A0080 → 6700
            802A0180{di_len:02X}{di}00 → 6A86
            {sign} → *9000
            00A4020C020017 → 9000
            {sign} → *9000                     # auth key with the verified auth PIN
            002A0080{di_len:02X}{di}00 → 6E00  # wrong class
            ",
            sign = sign_apdu(&di),
            di = hexs(&di),
            di_len = di.len()
        ),
    );
    let sign_sig = &resp[resp.len() - 4];
    let auth_sig = &resp[resp.len() - 2];
    assert_eq!(sign_sig.len(), 258);
    assert_eq!(auth_sig.len(), 258);
    let verify = |cert_der: &[u8], sig: &[u8]| {
        use sha2::Digest;
        let cert = Certificate::from_der(cert_der).unwrap();
        let spki = der::Encode::to_der(cert.tbs_certificate().subject_public_key_info()).unwrap();
        let key = rsa::PublicKey::from_public_key_der(&spki).unwrap();
        key.verify(
            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(msg),
            &sig[..256],
        )
    };
    verify(c.certs().sign.as_ref().unwrap(), sign_sig).unwrap();
    verify(&c.certs().auth, auth_sig).unwrap();
    assert!(verify(&c.certs().auth, sign_sig).is_err());
}

#[test]
fn card_info_ap() {
    let long_address = "北海道札幌市中央区北一条西二丁目一番地 札幌市役所本庁舎前 第一号棟 一二三四号室 テスト住所がとても長い場合の確認用";
    let mut c = card(&InitOptions {
        address: long_address.to_owned(),
        ..InitOptions::default()
    });
    let resp = run(
        &mut c,
        &format!(
            "
            {SEL_TEXT} → 9000
            00A4020C020001 → 9000
            00B0000011 → 6982
            00A4020C020011 → 9000
            00200080 → 63C3
            002000800431323334 → 9000
            00A4020C020001 → 9000
            00B0000000 → FF100C{mn}FFFF9000
            00B0001100 → 6B00
            00A4020C020002 → 9000
            00B0000000 → *9000
            00B0010000 → *9000
            ",
            mn = hexs(b"123456789018")
        ),
    );
    let f = [&resp[resp.len() - 2][..256], &resp[resp.len() - 1][..256]].concat();
    assert_eq!(&f[..3], &[0xFF, 0x20, 0x81], "long-form outer length");
    let t = inkan_apdu::tlv::TlvReader::new(&f).expect(0xFF20).unwrap();
    assert!(t.value.len() > 127);
    let mut items = t.children();
    assert_eq!(items.expect(0xDF21).unwrap().value.len(), 8);
    assert_eq!(items.expect(0xDF22).unwrap().value, "試験 花子".as_bytes());
    assert_eq!(items.expect(0xDF23).unwrap().value, long_address.as_bytes());
    assert_eq!(items.expect(0xDF24).unwrap().value, b"19850615");
    assert_eq!(items.expect(0xDF25).unwrap().value, b"2");
    assert!(f[t.end()..].iter().all(|b| *b == 0xFF));
}

#[test]
fn card_info_match_numbers_open_one_file_each() {
    let mut c = default_card();
    // 照合番号B: birth YYMMDD + expiry year + security code.
    let pin_b = hexs(b"85061520291234");
    run(
        &mut c,
        &format!(
            "
            {SEL_TEXT} → 9000
            00A4020C020014 → 9000
            00200080 → 63CA
            002000800C{mn} → 9000
            00A4020C020001 → 9000
            00B0000003 → FF100C9000
            00A4020C020002 → 9000
            00B0000003 → 6982
            {SEL_SURFACE} → 9000
            {SEL_TEXT} → 9000
            00A4020C020015 → 9000
            002000800E{pin_b} → 9000
            00A4020C020002 → 9000
            00B0000002 → FF209000
            00A4020C020001 → 9000
            00B0000003 → 6982
            00A4020C020015 → 9000
            002401800E{pin_b} → 6986           # match numbers cannot be changed
            ",
            mn = hexs(b"123456789018")
        ),
    );
}

#[test]
fn surface_ap_opened_with_the_my_number() {
    let mut c = default_card();
    let script = format!(
        "
        {SEL_SURFACE} → 9000
        00A4020C020002 → 9000
        00B0000002 → 6982
        00A4020C020013 → 9000
        002000800C{bad} → 63C9
        002000800C{mn} → 9000
        00A4020C020002 → 9000
        ",
        mn = hexs(b"123456789018"),
        bad = hexs(b"123456789017"),
    );
    run(&mut c, &script);
    let mut f = Vec::new();
    loop {
        let r = c.process(&unhex(&format!("00B0{:04X}00", f.len())));
        let (data, sw) = r.split_at(r.len() - 2);
        if sw == [0x6B, 0x00] {
            break;
        }
        assert_eq!(sw, [0x90, 0x00]);
        f.extend_from_slice(data);
    }
    assert_eq!(f.len() % 256, 0);
    let t = inkan_apdu::tlv::TlvReader::new(&f).expect(0xFF20).unwrap();
    let items: Vec<_> = t.children().collect::<Result<_, _>>().unwrap();
    let tags: Vec<u32> = items.iter().map(|i| i.tag).collect();
    assert_eq!(
        tags,
        [
            0xDF21, 0xDF22, 0xDF23, 0xDF24, 0xDF25, 0xDF26, 0xDF27, 0xDF28, 0xDF29, 0xDF2A
        ]
    );
    assert_eq!(items[1].value, b"19850615");
    assert_eq!(items[2].value, b"2");
    for png in [items[4].value, items[5].value, items[9].value] {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
    assert_eq!(items[8].value, b"20290615");
    // DF21: offsets of the items within the FF20 value.
    let offs = items[0].value;
    for (k, item) in items[1..].iter().enumerate() {
        let o = usize::from(u16::from_be_bytes([offs[2 * k], offs[2 * k + 1]]));
        assert_eq!(o + t.value_offset, item.offset);
    }
    // DF28 is a signature over DF22..DF27 with the key in DF24.
    use sha2::Digest;
    let signed = &f[items[1].offset..items[7].offset];
    let key =
        <rsa::PublicKey as rsa::pkcs1::DecodeRsaPublicKey>::from_pkcs1_der(items[3].value).unwrap();
    key.verify(
        rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        &sha2::Sha256::digest(signed),
        items[7].value,
    )
    .unwrap();
    // DF27 is a JPEG 2000 codestream a real decoder accepts.
    let j2k = items[6].value;
    assert_eq!(&j2k[..4], &[0xFF, 0x4F, 0xFF, 0x51]);
    let settings = hayro_jpeg2000::DecodeSettings {
        strict: true,
        ..Default::default()
    };
    let image = hayro_jpeg2000::Image::new(j2k, &settings).unwrap();
    assert_eq!((image.width(), image.height()), (8, 8));
    let mut ctx = hayro_jpeg2000::DecoderContext::default();
    let decoded = image.decode(&mut ctx).unwrap();
    assert_eq!(decoded.data_u8().len(), 64);
}

#[test]
fn surface_ap_with_match_number_b() {
    let mut c = default_card();
    run(
        &mut c,
        &format!(
            "
            {SEL_SURFACE} → 9000
            00A4020C020012 → 9000
            002000800E{pin_b} → 9000
            00A4020C020002 → 9000
            00B0000002 → FF209000
            ",
            pin_b = hexs(b"85061520291234")
        ),
    );
}

#[test]
fn power_off_and_ap_switch_clear_the_security_status() {
    let mut c = default_card();
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C02001B → 9000
            0020008006414243313233 → 9000
            00A4020C020001 → 9000
            00B0000002 → 30829000
            {SEL_JPKI} → 9000                  # same AP again: status kept
            00A4020C020001 → 9000
            00B0000002 → 30829000
            power_off
            00A4020C020001 → 6A82              # nothing selected after power-off
            {SEL_JPKI} → 9000
            00A4020C020001 → 9000
            00B0000002 → 6982
            00A4020C02001B → 9000
            0020008006414243313233 → 9000
            {SEL_TEXT} → 9000                  # another AP
            {SEL_JPKI} → 9000
            00A4020C020001 → 9000
            00B0000002 → 6982
            "
        ),
    );
    assert!(!c.is_verified(PinId::Sign));
}

#[test]
fn garbage_apdus() {
    let mut c = default_card();
    run(
        &mut c,
        &format!(
            "
            00 → 6700
            00A404 → 6700
            00A4040C05D392 → 6700             # Lc 5, 2 bytes
            00A4040C0AD392F000260100000001FFFF → 6700
            00A4040C000000 → 6700             # extended length: not accepted
            10A4040C0AD392F000260100000001 → 6E00   # CLA 10 (chaining)
            84A4040C0AD392F000260100000001 → 6E00
            FFA4040C0AD392F000260100000001 → 6E00
            80A4040C0AD392F000260100000001 → 6E00
            00CA000000 → 6D00
            0084000008 → 6D00
            80CA000000 → 6D00
            {SEL_JPKI} → 9000
            00B0000010 → 6986                 # no current EF
            00A4020C020018 → 9000
            00B0000010 → 6981                 # a PIN EF is not transparent
            "
        ),
    );
    // Never panics, whatever comes in.
    let mut x: u64 = 0x1234_5678;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 24) as usize;
        let mut apdu: Vec<u8> = (0..len).map(|i| (x >> (i % 8 * 8)) as u8).collect();
        if let Some(b) = apdu.get_mut(0) {
            *b &= 0x80;
        }
        if let Some(b) = apdu.get_mut(1) {
            *b = [0xA4, 0xB0, 0x20, 0x24, 0x2A][(x % 5) as usize];
        }
        let r = c.process(&apdu);
        assert!(r.len() >= 2);
    }
    assert_eq!(c.log().len(), 16 + 20_000);
}

#[test]
fn card_without_signature_certificate() {
    let base = InitOptions {
        with_sign_cert: false,
        ..InitOptions::default()
    };
    let mut c = card(&base);
    assert!(c.certs().sign.is_none());
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C020001 → 6A82
            00A4020C02001B → 6A82
            00A4020C02001A → 6A82
            00A4020C020008 → 9000
            00B0000003 → 008F009000
            00A4020C02000A → 9000
            00B0000002 → 30829000
            "
        ),
    );
    let mut c = card(&InitOptions {
        missing_sign_cert: MissingSignCert::Empty,
        ..base.clone()
    });
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C02001B → 9000
            0020008006414243313233 → 9000
            00A4020C020001 → 9000
            00B0000004 → 6B00
            "
        ),
    );
    let mut c = card(&InitOptions {
        missing_sign_cert: MissingSignCert::Blank,
        ..base
    });
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 9000
            00A4020C02001B → 9000
            0020008006414243313233 → 9000
            00A4020C020001 → 9000
            00B0000004 → FFFFFFFF9000
            "
        ),
    );
}

#[test]
fn non_jpki_card() {
    let mut c = card(&InitOptions {
        with_jpki: false,
        ..InitOptions::default()
    });
    run(
        &mut c,
        &format!(
            "
            {SEL_JPKI} → 6A82
            00A4020C020006 → 6A82
            {SEL_TEXT} → 9000
            "
        ),
    );
}

#[test]
fn apdu_log_records_everything() {
    let mut c = default_card();
    c.process(&unhex(SEL_JPKI));
    c.process(&unhex("00A4020C020018"));
    c.process(&unhex("002000800430303030"));
    let log = c.log();
    assert_eq!(log.len(), 3);
    assert_eq!(log[2].command, unhex("002000800430303030"));
    assert_eq!(log[2].sw(), 0x63C2);
    assert_eq!(log[2].ins(), Some(0x20));
    c.clear_log();
    assert!(c.log().is_empty());
}

#[test]
fn options_rejected() {
    for opts in [
        InitOptions {
            sign_pin: "abc123".into(),
            ..InitOptions::default()
        },
        InitOptions {
            auth_pin: "12345".into(),
            ..InitOptions::default()
        },
        InitOptions {
            my_number: "123456789012".into(),
            ..InitOptions::default()
        },
        InitOptions {
            birth_date: "19851315".into(),
            ..InitOptions::default()
        },
        InitOptions {
            sex: "3".into(),
            ..InitOptions::default()
        },
    ] {
        let e = SoftCard::generate(&opts).unwrap_err();
        assert!(
            matches!(e, inkan_sim::SimError::InvalidOption { .. }),
            "{e}"
        );
    }
}

#[test]
fn state_serializes() {
    let c = default_card();
    let json = serde_json::to_string(c.state()).unwrap();
    let back: CardState = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, c.state());
    assert_eq!(fid::SURFACE_PIN_A, 0x0013);
}
