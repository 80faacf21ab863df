//! Contacts as admins keep them: a form checked against the address book,
//! and a CSV file read into the contacts it holds and the reasons each
//! bad line cannot be one (line, column, why) — nothing is kept here.

use std::collections::HashMap;

use earshot_protocol::{Contact, ContactForm, ContactId, ImportProblem};

use crate::admin::AdminError;
use crate::directory::Directory;
use crate::phone::e164;

/// The longest name or company, in characters.
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_NOTES_CHARS: usize = 2000;
/// The most lines one import reads.
pub const MAX_IMPORT_LINES: usize = 50_000;

/// The contact `form` describes, as `id` (a new one when `None`), if the
/// address book can take it: a name, phone numbers (E.164) no other
/// contact has.
pub fn check_contact(directory: &Directory, id: Option<ContactId>, form: &ContactForm) -> Result<Contact, AdminError> {
    if let Some(id) = id {
        directory.contact(id).ok_or(AdminError::NoSuchContact)?;
    }
    let id = id.unwrap_or_else(|| directory.next_contact_id());
    let fields = Fields { name: &form.name, phones: form.phones.iter().map(String::as_str).collect(), company: form.company.as_deref().unwrap_or(""), notes: &form.notes };
    fields.contact(directory, id, form.region.as_deref(), &HashMap::new()).map_err(|(_, why)| AdminError::Invalid(why))
}

/// A contact's fields as typed, before they are checked.
struct Fields<'a> {
    name: &'a str,
    phones: Vec<&'a str>,
    company: &'a str,
    notes: &'a str,
}

impl Fields<'_> {
    /// The contact, or the column at fault and why. `earlier` holds the
    /// phones of an import's earlier lines, and the line of each.
    fn contact(&self, directory: &Directory, id: ContactId, region: Option<&str>, earlier: &HashMap<String, usize>) -> Result<Contact, (&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(("name", format!("a name needs 1 to {MAX_NAME_CHARS} characters, on one line")));
        }
        let mut phones: Vec<String> = Vec::new();
        // The numbers a contact has keep their place as they are: an edit
        // of its name is not refused for a number kept before these rules.
        let kept = directory.contact(id).map(|c| c.phones.as_slice()).unwrap_or_default();
        for typed in self.phones.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let phone = match kept.iter().find(|p| p.as_str() == typed) {
                Some(kept) => kept.clone(),
                None => e164(typed, region).map_err(|why| ("phone", why))?,
            };
            if let Some(other) = directory.contact_for_phone(&phone).filter(|c| c.id != id) {
                return Err(("phone", format!("{phone} is {}'s already", other.name)));
            }
            if let Some(line) = earlier.get(&phone) {
                return Err(("phone", format!("{phone} is on line {line} already")));
            }
            if !phones.contains(&phone) {
                phones.push(phone);
            }
        }
        if phones.is_empty() {
            return Err(("phone", "a contact needs a phone number".into()));
        }
        let company = self.company.trim();
        if company.chars().count() > MAX_NAME_CHARS {
            return Err(("company", format!("a company's name has at most {MAX_NAME_CHARS} characters")));
        }
        if self.notes.chars().count() > MAX_NOTES_CHARS {
            return Err(("notes", format!("notes have at most {MAX_NOTES_CHARS} characters")));
        }
        let company = (!company.is_empty()).then(|| company.to_owned());
        Ok(Contact { id, name: name.to_owned(), phones, company, notes: self.notes.trim().to_owned() })
    }
}

/// What a CSV file holds: the contacts its good lines make (numbered on
/// from the address book's next id) and each bad line's problem.
#[derive(Debug, Default)]
pub struct Import {
    pub contacts: Vec<Contact>,
    pub problems: Vec<ImportProblem>,
}

/// Reads `csv`: a header naming `name` and `phone` (any case, any order;
/// `company` and `notes` if wanted), then a contact a line; a `phone`
/// field may hold several numbers, separated by `;`.
pub fn read_csv(directory: &Directory, csv: &str, region: Option<&str>) -> Import {
    let mut import = Import::default();
    let problem = |line: usize, column: &str, why: String| ImportProblem { line, column: column.to_owned(), why };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Import { problems: vec![problem(1, "", format!("the header cannot be read: {e}"))], ..Import::default() },
        None => return Import { problems: vec![problem(1, "", "the file is empty".into())], ..Import::default() },
    };
    let columns: Vec<String> = header.iter().map(|c| c.trim().to_lowercase()).collect();
    let at = |name: &str| columns.iter().position(|c| c == name);
    let (Some(name), Some(phone)) = (at("name"), at("phone")) else {
        return Import { problems: vec![problem(1, "", format!("the header needs `name` and `phone` columns; it has {}", columns.join(", ")))], ..Import::default() };
    };
    let (company, notes) = (at("company"), at("notes"));
    for (unknown, _) in columns.iter().enumerate().filter(|(i, _)| ![Some(name), Some(phone), company, notes].contains(&Some(*i))) {
        import.problems.push(problem(1, &columns[unknown], "not a column Earshot reads (name, phone, company, notes): left out".into()));
    }
    let mut earlier: HashMap<String, usize> = HashMap::new();
    let mut next = directory.next_contact_id().0;
    for record in records {
        let (record, line) = match record {
            Ok(record) => {
                let line = line_of(record.position());
                (record, line)
            }
            Err(e) => {
                let line = line_of(e.position());
                import.problems.push(problem(line, "", format!("cannot be read: {e}")));
                continue;
            }
        };
        if line > MAX_IMPORT_LINES {
            import.problems.push(problem(line, "", format!("a file of at most {MAX_IMPORT_LINES} lines is read: split it")));
            break;
        }
        if record.iter().all(|field| field.trim().is_empty()) {
            continue; // a blank line
        }
        if record.len() != columns.len() {
            import.problems.push(problem(line, "", format!("{} fields, and the header has {}", record.len(), columns.len())));
            continue;
        }
        let field = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("");
        let fields = Fields { name: field(Some(name)), phones: field(Some(phone)).split(';').collect(), company: field(company), notes: field(notes) };
        match fields.contact(directory, ContactId(next), region, &earlier) {
            Ok(contact) => {
                earlier.extend(contact.phones.iter().map(|p| (p.clone(), line)));
                next += 1;
                import.contacts.push(contact);
            }
            Err((column, why)) => import.problems.push(problem(line, column, why)),
        }
    }
    import
}

/// The file's line (from 1) a record starts on: the reader counts the
/// lines before it.
fn line_of(position: Option<&csv::Position>) -> usize {
    position.map_or(0, |p| p.line() as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::demo_directory;

    #[test]
    fn each_good_line_is_a_contact_and_each_bad_one_says_where_and_why() {
        let mut directory = demo_directory();
        let kim = Contact { id: directory.next_contact_id(), name: "Kim Lo".into(), phones: vec!["+442079460999".into()], company: None, notes: String::new() };
        directory.put_contact(kim);
        let csv = "Name,Phone,Company,Notes\r\n\
                   Lee Chan,020 7946 0958,\"Chan, Ltd\",\"Prefers\nmornings\"\r\n\
                   ,+442079460959,,\r\n\
                   Kim Twin,+44 20 7946 0999,,\r\n\
                   Sol Ray,020 7946 0958,,\r\n\
                   Ana Ruiz,+44 20 7946 0960; 020 7946 0961,,\r\n\
                   Too,Many,Fields,Here,Extra\r\n";
        let import = read_csv(&directory, csv, Some("GB"));
        let names: Vec<&str> = import.contacts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Lee Chan", "Ana Ruiz"]);
        assert_eq!(import.contacts[0].company.as_deref(), Some("Chan, Ltd"));
        assert_eq!(import.contacts[0].notes, "Prefers\nmornings", "a quoted line break stays in its field");
        assert_eq!(import.contacts[1].phones, ["+442079460960", "+442079460961"]);
        assert_eq!(import.contacts[1].id.0, import.contacts[0].id.0 + 1, "numbered on");
        let problems: Vec<(usize, &str)> = import.problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(problems, [(4, "name"), (5, "phone"), (6, "phone"), (8, "")], "{:?}", import.problems);
        assert_eq!(import.problems[1].why, "+442079460999 is Kim Lo's already");
        assert_eq!(import.problems[2].why, "+442079460958 is on line 2 already");
    }

    #[test]
    fn a_contact_edited_keeps_the_numbers_it_had_and_new_ones_are_checked() {
        let directory = demo_directory();
        let maria = directory.contact(ContactId(1)).unwrap().clone();
        let form = |phones: Vec<String>| ContactForm { name: "Maria G.".into(), phones, company: None, notes: String::new(), region: None };
        let renamed = check_contact(&directory, Some(maria.id), &form(maria.phones.clone())).unwrap();
        assert_eq!((renamed.name.as_str(), &renamed.phones), ("Maria G.", &maria.phones), "its demo number stays, dialable or not");
        let added = form(vec![maria.phones[0].clone(), "+44 12".into()]);
        assert!(matches!(check_contact(&directory, Some(maria.id), &added), Err(AdminError::Invalid(why)) if why.contains("not a number that can be dialled")));
    }

    #[test]
    fn a_file_without_its_columns_imports_nothing_and_says_so() {
        let import = read_csv(&demo_directory(), "who,number\nLee,+442079460958\n", None);
        assert!(import.contacts.is_empty());
        assert_eq!(import.problems[0].why, "the header needs `name` and `phone` columns; it has who, number");
    }
}
