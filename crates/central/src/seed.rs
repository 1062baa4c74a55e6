//! Reference data for the demo and development: Düsseldorf's citizen offices.
//! AGS 05111000 is Düsseldorf's official municipality key; branch numbers are ours.

use schalter_domain::OfficeId;

use crate::{CentralError, Db};

pub const DUESSELDORF_OFFICES: &[(&str, &str, &str)] = &[
    ("05111000_01", "Bürgerbüro Dienstleistungszentrum", "Willi-Becker-Allee 7, 40227 Düsseldorf"),
    ("05111000_02", "Bürgerbüro Benrath", "Benrodestraße 46, 40597 Düsseldorf"),
    ("05111000_03", "Bürgerbüro Gerresheim", "Neusser Tor 12, 40625 Düsseldorf"),
    ("05111000_04", "Bürgerbüro Holthausen", "Bonner Straße 14, 40589 Düsseldorf"),
    ("05111000_05", "Bürgerbüro Kaiserswerth", "Kaiserswerther Markt 23, 40489 Düsseldorf"),
    ("05111000_90", "Mobiles Bürgerbüro (Pop-up)", "wechselnde Standorte"),
];

pub async fn seed_duesseldorf_offices(db: &Db) -> Result<usize, CentralError> {
    for (id, name, address) in DUESSELDORF_OFFICES {
        db.upsert_office(&OfficeId::parse(id)?, name, address).await?;
    }
    Ok(DUESSELDORF_OFFICES.len())
}
