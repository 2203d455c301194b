// The icon for each place in the navigation, one per idea, so that the portal, the desktop
// window and the console draw the same thing for the same place. Imported one by one: the
// bundle carries only these.

import BookOpen from '@lucide/svelte/icons/book-open';
import Bot from '@lucide/svelte/icons/bot';
import Building2 from '@lucide/svelte/icons/building-2';
import CircleDashed from '@lucide/svelte/icons/circle-dashed';
import CirclePlus from '@lucide/svelte/icons/circle-plus';
import ExternalLink from '@lucide/svelte/icons/external-link';
import Flame from '@lucide/svelte/icons/flame';
import FilePen from '@lucide/svelte/icons/file-pen';
import Hourglass from '@lucide/svelte/icons/hourglass';
import Inbox from '@lucide/svelte/icons/inbox';
import LayoutGrid from '@lucide/svelte/icons/layout-grid';
import ListTodo from '@lucide/svelte/icons/list-todo';
import Mail from '@lucide/svelte/icons/mail';
import MessagesSquare from '@lucide/svelte/icons/messages-square';
import MonitorCog from '@lucide/svelte/icons/monitor-cog';
import MonitorSmartphone from '@lucide/svelte/icons/monitor-smartphone';
import Package from '@lucide/svelte/icons/package';
import Phone from '@lucide/svelte/icons/phone';
import Rocket from '@lucide/svelte/icons/rocket';
import ScrollText from '@lucide/svelte/icons/scroll-text';
import Search from '@lucide/svelte/icons/search';
import Send from '@lucide/svelte/icons/send';
import Settings from '@lucide/svelte/icons/settings';
import ShieldCheck from '@lucide/svelte/icons/shield-check';
import SlidersHorizontal from '@lucide/svelte/icons/sliders-horizontal';
import TextCursorInput from '@lucide/svelte/icons/text-cursor-input';
import UserRound from '@lucide/svelte/icons/user-round';
import UserRoundCog from '@lucide/svelte/icons/user-round-cog';
import type { NavIcon } from './nav';

export const ICON = {
  requests: Inbox,
  newRequest: CirclePlus,
  catalog: LayoutGrid,
  knowledge: BookOpen,
  assistant: Bot,
  chat: MessagesSquare,
  selfService: MonitorCog,
  security: ShieldCheck,
  outbox: Send,
  personal: UserRoundCog,
  preferences: SlidersHorizontal,
  queue: ListTodo,
  awaiting: Hourglass,
  mine: UserRound,
  unassigned: CircleDashed,
  urgent: Flame,
  search: Search,
  orgs: Building2,
  devices: MonitorSmartphone,
  audit: ScrollText,
  settings: Settings,
  fields: TextCursorInput,
  software: Package,
  releases: Rocket,
  phone: Phone,
  email: Mail,
  link: ExternalLink,
  draft: FilePen,
} satisfies Record<string, NavIcon>;
