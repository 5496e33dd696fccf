//! Paging of the console's lists: which page was asked for, and the links to the pages around
//! it, keeping the search.

/// Rows per page in every console list.
pub const PER_PAGE: u64 = 50;

/// Where a list is: page `page` of `pages`, with links to the previous and next pages.
pub struct Paging {
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Paging {
    /// The page asked for by `?page=`: a number from 1; anything else is the first page.
    pub fn requested(text: &str) -> u64 {
        text.trim()
            .parse::<u64>()
            .ok()
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }

    /// Page `page` of a list of `total` rows at `base` (`/users`), searching for `q`.
    pub fn new(base: &str, q: &str, page: u64, total: u64) -> Self {
        let pages = total.div_ceil(PER_PAGE).max(1);
        let link = |to: u64| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            if !q.is_empty() {
                query.append_pair("q", q);
            }
            query.append_pair("page", &to.to_string());
            format!("{base}?{}", query.finish())
        };
        Self {
            page,
            pages,
            total,
            previous: (page > 1).then(|| link((page - 1).min(pages))),
            next: (page < pages).then(|| link(page + 1)),
        }
    }

    /// The rows of this page out of every row.
    pub fn slice<T>(items: Vec<T>, page: u64) -> Vec<T> {
        let skip = usize::try_from((page - 1).saturating_mul(PER_PAGE)).unwrap_or(usize::MAX);
        let take = usize::try_from(PER_PAGE).unwrap_or(usize::MAX);
        items.into_iter().skip(skip).take(take).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_to_their_neighbours_and_keep_the_search() {
        let paging = Paging::new("/users", "a b", 2, 120);
        assert_eq!(paging.pages, 3);
        assert_eq!(paging.previous.as_deref(), Some("/users?q=a+b&page=1"));
        assert_eq!(paging.next.as_deref(), Some("/users?q=a+b&page=3"));
        let empty = Paging::new("/organizations", "", 1, 0);
        assert_eq!((empty.pages, empty.previous, empty.next), (1, None, None));
    }

    #[test]
    fn bad_page_numbers_are_the_first_page_and_slices_are_bounded() {
        assert_eq!(Paging::requested("x"), 1);
        assert_eq!(Paging::requested("0"), 1);
        assert_eq!(Paging::requested("3"), 3);
        let rows: Vec<u64> = (0..120).collect();
        assert_eq!(
            Paging::slice(rows.clone(), 3),
            (100..120).collect::<Vec<_>>()
        );
        assert!(Paging::slice(rows, 9).is_empty());
    }
}
