import type { AnchorHTMLAttributes, ComponentChildren, TargetedMouseEvent } from "preact";
import { navigate } from "../lib/router";

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href" | "role"> & { href: string; children: ComponentChildren };

/** An in-app link: a real `<a>` (new tab, copy link work), navigated without a reload on a plain click. */
export function Link({ href, children, ...rest }: LinkProps) {
  function onClick(event: TargetedMouseEvent<HTMLAnchorElement>) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  }
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
