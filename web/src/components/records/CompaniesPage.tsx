import { useMemo, useState } from "preact/hooks";
import { describeWorkspaceFailure } from "../../data/errors";
import { live, type CompanyDetail } from "../../data/records";
import { useLiveData } from "../../data/useLiveData";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { StatePanel } from "../StatePanel";
import { When } from "./RecordParts";

const numberFormat = new Intl.NumberFormat();

export function CompaniesPage({ workspaceId }: { workspaceId: string }) {
  const { db } = useServices();
  const now = useNow(30_000);
  const companies = useLiveData<CompanyDetail[]>((onData, onError) => live.companies(db, workspaceId, onData, onError), [db, workspaceId]);
  const [search, setSearch] = useState("");
  const rows = companies.state === "ready" ? companies.data : EMPTY;
  const visible = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? rows.filter((row) => `${row.name}\n${row.domain}`.toLowerCase().includes(needle)) : rows;
  }, [rows, search]);

  return (
    <main class="page" aria-labelledby="companies-heading">
      <div class="contacts-toolbar">
        <h1 id="companies-heading" class="contacts-toolbar__title">
          Companies
          {companies.state === "ready" && <span class="contacts-toolbar__count">{numberFormat.format(rows.length)}</span>}
        </h1>
        <div class="search">
          <input
            class="search__input search__input--plain"
            type="search"
            placeholder="Search name or domain"
            aria-label="Search companies"
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
      </div>
      {companies.state === "loading" && <StatePanel busy title="Loading companies…" />}
      {companies.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(companies.error)} />}
      {companies.state === "ready" && rows.length === 0 && (
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
    </main>
  );
}

const EMPTY: CompanyDetail[] = [];
