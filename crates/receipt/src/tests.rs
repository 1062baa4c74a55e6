use std::path::Path;
use std::process::Command;

use schalter_application::{Application, ApplicationDraft, CurrentDocumentKind, DocumentKind};
use time::macros::date;

use crate::{render_pdf, PickupWay, Receipt, ReceiptNumber};

const OFFICE: &str = "Bürgerbüro Düsseldorf-Süd";

/// Erika Gabler, adult, ID card from the pickup box, application before the 2026 fee increase (37,00 €). Every
/// personal value is one the receipt must not show.
fn adult_id_card() -> ApplicationDraft {
    ApplicationDraft {
        document_kind: "id_card".into(),
        family_name: "Gabler".into(),
        birth_name: Some("Özdemir".into()),
        given_names: "Erika Jörg".into(),
        doctoral_degree: None,
        religious_name: None,
        date_of_birth: "12.08.1964".into(),
        place_of_birth: "Wuppertal".into(),
        sex: None,
        height: "168".into(),
        eye_colour: "grün".into(),
        no_residence_in_germany: false,
        street: Some("Heidestraße 17".into()),
        postal_code: Some("40597".into()),
        place: Some("Düsseldorf".into()),
        nationality: "deutsch".into(),
        current_document_kind: Some("passport".into()),
        current_document_serial: Some("C01X00T47".into()),
        custodian_family_name: None,
        custodian_given_names: None,
        pickup: "pickup_box".into(),
        mobile_number: Some("0151 23456789".into()),
        pickup_consent: true,
        photo_in_office: false,
        pin_letter_handed_over: true,
    }
}

/// The values of `draft` that identify the person, in the forms they could be printed in.
fn personal_values(draft: &ApplicationDraft) -> Vec<String> {
    let mut values = vec![
        draft.family_name.clone(),
        draft.given_names.clone(),
        draft.date_of_birth.clone(),
        "1964-08-12".into(),
        draft.place_of_birth.clone(),
        draft.height.clone(),
    ];
    values.extend(draft.given_names.split_whitespace().map(str::to_owned));
    values.extend(
        [&draft.birth_name, &draft.street, &draft.postal_code, &draft.current_document_serial]
            .into_iter()
            .flatten()
            .cloned(),
    );
    if let Some(mobile) = &draft.mobile_number {
        values.push(mobile.clone());
        values.push(mobile.replace(' ', ""));
        values.push("+4915123456789".into());
        values.push("23456789".into());
    }
    values
}

fn receipt_of(draft: &ApplicationDraft, number: ReceiptNumber) -> Receipt {
    let application = Application::validate(draft, date!(2026 - 01 - 15)).expect("a valid application");
    Receipt::for_application(&application, OFFICE, number)
}

fn tool(name: &str, pdf: &[u8], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quittung.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output =
        Command::new(name).args(args).arg(&path).args(if name == "pdftotext" { &["-"][..] } else { &[][..] }).output();
    let output = output
        .unwrap_or_else(|e| panic!("{name} fehlt ({e}): apt-get install poppler-utils (cargo xtask test installs it)"));
    assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn text_of(pdf: &[u8]) -> String {
    tool("pdftotext", pdf, &["-enc", "UTF-8", "-layout"])
}

#[test]
fn the_pdf_text_extracts_with_number_fee_and_umlauts() {
    let receipt = receipt_of(&adult_id_card(), ReceiptNumber::Final("05111000_01-2026-000042".into()));
    let pdf = render_pdf(&receipt).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    for expected in [
        "Bürgerbüro Düsseldorf-Süd",
        "Quittung über Ihren Antrag",
        "Antragsnummer",
        "05111000_01-2026-000042",
        "15.01.2026",
        "Personalausweis",
        "Gebühren",
        "37,00 €",
        "Summe",
        "An der Ausgabebox",
        "Sie erhalten eine SMS",
        "Den PIN-Brief zu Ihrem Personalausweis haben Sie heute erhalten.",
        "Ihren bisherigen Reisepass",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
    assert!(!text.contains("vorläufig"), "a final number has no provisional note");
}

#[test]
fn every_font_is_embedded_as_truetype_and_none_is_type_3() {
    let pdf =
        render_pdf(&receipt_of(&adult_id_card(), ReceiptNumber::Final("05111000_01-2026-000042".into()))).unwrap();
    let fonts = tool("pdffonts", &pdf, &[]);
    // name type encoding emb sub uni object ID
    let rows: Vec<&str> = fonts.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(rows.len(), 2, "regular and bold:\n{fonts}");
    for row in rows {
        assert!(row.contains("DejaVuSans"), "{row}");
        assert!(!row.contains("Type 3"), "{row}");
        let flags: Vec<&str> = row.split_whitespace().rev().skip(2).take(3).collect();
        // Reversed: uni, sub, emb.
        assert_eq!(flags, ["yes", "yes", "yes"], "embedded, subset, with a Unicode map: {row}");
    }
}

#[test]
fn no_personal_data_of_the_application_reaches_the_pdf() {
    let draft = adult_id_card();
    let pdf = render_pdf(&receipt_of(&draft, ReceiptNumber::Final("05111000_01-2026-000042".into()))).unwrap();
    let text = text_of(&pdf);
    let bytes = String::from_utf8_lossy(&pdf);
    for value in personal_values(&draft) {
        assert!(!text.contains(&value), "{value:?} is on the receipt:\n{text}");
        // Short digit strings occur in any PDF's object numbers and offsets; names, dates and the like do not.
        if value.chars().any(|c| !c.is_ascii_digit()) || value.len() >= 8 {
            assert!(!bytes.contains(&value), "{value:?} is in the PDF's bytes");
        }
    }
    // The place of residence may equal the office's town; the street never.
    assert!(!text.contains("Heidestraße"));
}

#[test]
fn a_provisional_number_says_that_the_final_one_follows() {
    let receipt = receipt_of(&adult_id_card(), ReceiptNumber::Provisional("V-5e6f-00017".into()));
    assert_eq!(receipt.file_name(), "Quittung-V-5e6f-00017.pdf");
    let text = text_of(&render_pdf(&receipt).unwrap());
    assert!(text.contains("Vorläufige Antragsnummer"), "{text}");
    assert!(text.contains("V-5e6f-00017"), "{text}");
    // pdftotext -layout keeps the wrapped note's lines apart: compare word by word.
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Die endgültige Antragsnummer folgt"), "{words}");
}

#[test]
fn the_content_names_the_pickup_way_without_its_details_and_what_to_bring() {
    let mut draft = adult_id_card();
    let content = receipt_of(&draft, ReceiptNumber::Final("N".into())).content();
    assert!(
        content.notes.iter().any(|n| n.contains("Ausgabebox zieht") || n.contains("zur Ausgabebox mit")),
        "{content:?}"
    );
    assert!(!format!("{content:?}").contains("0151"));

    draft.pickup = "counter".into();
    draft.mobile_number = None;
    draft.pickup_consent = false;
    draft.current_document_kind = Some("temporary_id_card".into());
    draft.current_document_serial = Some("A1234567".into());
    let content = receipt_of(&draft, ReceiptNumber::Final("N".into())).content();
    let pickup = content.details.iter().find(|r| r.label == "Abholung").unwrap();
    assert_eq!(pickup.value, "Am Schalter");
    assert!(
        content.notes.iter().any(|n| n == "Bitte bringen Sie zur Abholung diese Quittung und Ihren bisherigen vorläufigen Personalausweis mit; er wird bei der Ausgabe entwertet."),
        "{:?}",
        content.notes
    );

    draft.current_document_kind = None;
    draft.current_document_serial = None;
    draft.document_kind = "passport32".into();
    draft.sex = Some("002".into());
    draft.pickup = "direct_delivery".into();
    let receipt = receipt_of(&draft, ReceiptNumber::Final("N".into()));
    assert_eq!(
        (receipt.document, receipt.pickup, receipt.current_document),
        (DocumentKind::Passport32, PickupWay::DirectDelivery, None)
    );
    let content = receipt.content();
    assert_eq!(content.details[3].value, "Direktversand");
    assert!(content.notes.iter().all(|n| !n.contains("PIN-Brief")), "passports have no PIN letter");
    assert_eq!(content.fees.iter().map(|f| f.value.as_str()).collect::<Vec<_>>(), ["70,00 €", "15,00 €"]);
    assert_eq!(content.total.value, "85,00 €");

    let mut on_the_spot = receipt.clone();
    on_the_spot.document = DocumentKind::TemporaryPassport;
    on_the_spot.pickup = PickupWay::Counter;
    on_the_spot.current_document = Some(CurrentDocumentKind::Passport);
    let content = on_the_spot.content();
    assert_eq!(content.details[3].value, "Sofort am Schalter");
    assert!(content.notes.iter().all(|n| !n.contains("bringen")), "{:?}", content.notes);
}

#[test]
fn a_long_office_name_wraps_and_stays_whole() {
    let mut receipt = receipt_of(&adult_id_card(), ReceiptNumber::Final("05111000_01-2026-000042".into()));
    receipt.office_name = "Bürgerbüro im Dienstleistungszentrum der Landeshauptstadt Düsseldorf, Willi-Becker-Allee 7, Erdgeschoss, Schalter 1 bis 12 (Pass- und Personalausweisangelegenheiten)".into();
    let text = text_of(&render_pdf(&receipt).unwrap());
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains(&receipt.office_name), "{text}");
}

#[test]
fn the_vendored_fonts_carry_their_licence() {
    let fonts = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
    let licence = std::fs::read_to_string(fonts.join("LICENSE")).unwrap();
    assert!(licence.contains("Bitstream Vera Fonts Copyright") && licence.contains("Arev Fonts Copyright"));
}

#[test]
#[ignore = "writes target/receipt-sample.pdf to look at"]
fn write_a_sample() {
    let receipt = receipt_of(&adult_id_card(), ReceiptNumber::Provisional("V-5e6f-00017".into()));
    std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/receipt-sample.pdf"),
        render_pdf(&receipt).unwrap(),
    )
    .unwrap();
}
