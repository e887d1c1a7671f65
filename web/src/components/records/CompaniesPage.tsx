import { useMemo, useState } from "preact/hooks";
import { orderBy } from "firebase/firestore";
import { describeWorkspaceFailure } from "../../data/errors";
import { toCompanyDetail, type CompanyDetail } from "../../data/records";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { StatePanel } from "../StatePanel";
import { When } from "./RecordParts";
import { Pager } from "../lists/Pager";
import { usePagedList } from "../lists/usePagedList";

const numberFormat = new Intl.NumberFormat();
const PAGE_SIZE = 50;
// Firestore sorts; the document id breaks ties, so paging by cursor is exact.
const SORTS = {
  recent: { label: "Last contact", field: "lastInteractionMs", direction: "desc" },
  name: { label: "Name (A–Z)", field: "name", direction: "asc" },
} as const;
type CompanySort = keyof typeof SORTS;

export function CompaniesPage({ workspaceId }: { workspaceId: string }) {
  const { db } = useServices();
  const now = useNow(30_000);
  const [sort, setSort] = useState<CompanySort>("recent");
  const constraints = useMemo(() => [orderBy(SORTS[sort].field, SORTS[sort].direction)], [sort]);
  const list = usePagedList(db, { workspaceId, collectionName: "companies", constraints, pageSize: PAGE_SIZE }, sort, toCompanyDetail);
  const companies = list.page;
  const [search, setSearch] = useState("");
  const rows = companies.state === "ready" ? companies.data.rows : EMPTY;
  // Narrows the page shown; the search box above finds any company.
  const visible = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? rows.filter((row) => `${row.name}\n${row.domain}`.toLowerCase().includes(needle)) : rows;
  }, [rows, search]);

  return (
    <main class="page" aria-labelledby="companies-heading">
      <div class="contacts-toolbar">
        <h1 id="companies-heading" class="contacts-toolbar__title">
          Companies
        </h1>
        <label class="list-controls__field">
          <span>Sort by</span>
          <select
            class="input"
            data-testid="company-sort"
            value={sort}
            onChange={(event) => {
              const value = event.currentTarget.value;
              if (value === "recent" || value === "name") setSort(value);
            }}
          >
            {Object.entries(SORTS).map(([value, option]) => (
              <option key={value} value={value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <div class="search">
          <input
            class="search__input search__input--plain"
            type="search"
            placeholder="Filter this page"
            aria-label="Filter this page of companies"
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
      </div>
      {companies.state === "loading" && <StatePanel busy title="Loading companies…" />}
      {companies.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(companies.error)} />}
      {companies.state === "ready" && rows.length === 0 && !list.hasPrevious && (
        <StatePanel title="No companies yet" detail="Work domains of the people your team writes with become companies." />
      )}
      {visible.length > 0 && (
        <div class="card card--flush table-scroll">
          <table class="data-table" data-testid="companies-table">
            <thead>
              <tr>
                <th scope="col">Company</th>
                <th scope="col" class="hide-narrow">Domain</th>
                <th scope="col" class="numeric">Emails</th>
                <th scope="col" class="numeric">Last contact</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((company) => (
                <tr key={company.id} data-testid="company-row" data-id={company.id}>
                  <td class="ellipsis">
                    <Link href={paths.company(workspaceId, company.id)}>{company.name}</Link>
                  </td>
                  <td class="hide-narrow muted">{company.domain}</td>
                  <td class="numeric">{numberFormat.format(company.interactionCount)}</td>
                  <td class="numeric">
                    <When date={company.lastInteractionAt} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Companies" testId="companies-pager" />
    </main>
  );
}

const EMPTY: CompanyDetail[] = [];
